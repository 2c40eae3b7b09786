"""docs/ALERT_QUALITY.md from the study's records (see alert_quality.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

import aq_cbpe
from aq_sim import CAT_SHAPES, CATEGORICAL_METHODS, NUMERIC_METHODS, PSI_TARGETS, SHAPES
from telltale.monitors.drift import DRIFT_DEFAULT_THRESHOLDS

FA_TARGET, DETECT_TARGET = 0.01, 0.95


def calibration_table(refs: dict[str, Any]) -> list[list[Any]]:
    """Rows (shape, kind, target, parameter, PSI reached)."""
    rows = []
    for shape, r in refs["numeric"].items():
        for kind, by_t in r["params"].items():
            rows += [[shape, kind, t, round(p, 5), round(v, 4)] for t, (p, v) in by_t.items()]
    for shape, by_t in refs["categorical"].items():
        rows += [[shape, "mix" if "label" not in shape else "label shift", t, round(w, 5), t]
                 for t, w in by_t.items()]
    return rows


def _pct(a: int, n: int) -> str:
    return f"{100 * a / n:.1f}% ({a}/{n})" if n else "-"


def _cells(rec: dict, family: str, size: int, shapes: list[str], variant_prefix: str, method: str) -> list[dict]:
    out = []
    for k, e in rec.items():
        f, n, shape, variant, m = k.split("|")
        if f == family and int(n) == size and shape in shapes and m == method and (
                variant == variant_prefix if variant_prefix == "stable" else variant.endswith(variant_prefix)):
            out.append({"shape": shape, "variant": variant, **e})
    return out


def _sizes(rec: dict) -> list[int]:
    return sorted({int(k.split("|")[1]) for k in rec})


def _rate(cells: list[dict]) -> tuple[int, int]:
    return sum(c["alerts"] for c in cells), sum(c["n"] for c in cells)


def drift_tables(rec: dict) -> list[str]:
    """False alerts and detection per method and size, numeric and categorical."""
    out = []
    for label, shapes, methods in (("numeric columns (5 shapes)", list(SHAPES), NUMERIC_METHODS),
                                   ("categorical columns (3 shapes, incl. a binary label)",
                                    list(CAT_SHAPES), CATEGORICAL_METHODS)):
        out += [f"### data_drift / prediction_drift on {label}", "",
                "| method (default threshold) | rows | false alerts (stable) | worst shape | "
                + " | ".join(f"caught at PSI {t:g}" for t in PSI_TARGETS) + " | worst cell at PSI 0.2 | targets met |",
                "|---|---|---|---|" + "---|" * len(PSI_TARGETS) + "---|---|"]
        for m in methods:
            for n in _sizes(rec):
                stable = _cells(rec, "drift", n, shapes, "stable", m)
                if not stable:
                    continue
                a, tot = _rate(stable)
                worst = max(stable, key=lambda c: c["alerts"] / c["n"])
                det = [_rate(_cells(rec, "drift", n, shapes, f"PSI {t:g}", m)) for t in PSI_TARGETS]
                c02 = _cells(rec, "drift", n, shapes, "PSI 0.2", m)
                wc = min(c02, key=lambda c: c["alerts"] / c["n"])
                met = (all(c["alerts"] / c["n"] <= FA_TARGET for c in stable)
                       and all(c["alerts"] / c["n"] >= DETECT_TARGET for c in c02))
                out.append(f"| {m} ({DRIFT_DEFAULT_THRESHOLDS[m]:g}) | {n:,} | {_pct(a, tot)} | "
                           f"{worst['shape']} {100 * worst['alerts'] / worst['n']:.1f}% | "
                           + " | ".join(_pct(*d) for d in det)
                           + f" | {wc['shape']}, {wc['variant']}: {100 * wc['alerts'] / wc['n']:.0f}% | "
                           f"{'yes' if met else '**no**'} |")
        out.append("")
    return out


def threshold_table(rec: dict) -> list[str]:
    """Per method: the range of thresholds meeting both targets in every cell."""
    out = ["### Which thresholds meet both targets", "",
           "Per method, over every size and shape: the smallest threshold with at most 1 % false "
           "alerts in every stable cell (the largest 99th percentile of the stable values), and the "
           "largest threshold catching 95 % of every PSI-0.2 cell (the smallest 5th percentile of "
           "the shifted values). A default between the two meets both targets.", "",
           "| method | default | false alerts ≤ 1 % from | PSI 0.2 caught ≥ 95 % up to | default inside |",
           "|---|---|---|---|---|"]
    for m in NUMERIC_METHODS:
        lo, hi = 0.0, np.inf
        for k, e in rec.items():
            f, _, _, variant, method = k.split("|")
            vals = np.array([v for v in e["values"] if v is not None], dtype=float)
            if f != "drift" or method != m or not vals.size:
                continue
            if variant == "stable":
                lo = max(lo, float(np.quantile(vals, 0.99)))
            elif variant.endswith("PSI 0.2"):
                hi = min(hi, float(np.quantile(vals, 0.05)))
        d = DRIFT_DEFAULT_THRESHOLDS[m]
        out.append(f"| {m} | {d:g} | {lo:.4f} | {hi:.4f} | {'yes' if lo < d <= hi else '**no**'} |")
    return out + [""]


def new_values_table(rec: dict) -> list[str]:
    out = ["### new_values (defaults `min_share: 0`, `max_values: 10000`)", "", "| rows | shape | window | alerts |", "|---|---|---|---|"]
    for k, e in sorted(rec.items()):
        f, n, shape, variant, _ = k.split("|")
        if f == "new_values":
            out.append(f"| {int(n):,} | {shape} | {variant} | {_pct(e['alerts'], e['n'])} |")
    return out + [""]


def anomaly_tables(anomaly: dict) -> list[str]:
    out = []
    sizes = sorted(anomaly, key=int)
    names = list(anomaly[sizes[0]])
    for name in names:
        variants = list(anomaly[sizes[0]][name])
        out += [f"### {name}", "", "| rows/day | " + " | ".join(variants) + " |",
                "|---|" + "---|" * len(variants)]
        for n in sizes:
            row = anomaly[n][name]
            out.append(f"| {int(n):,} | " + " | ".join(_pct(sum(row[v]), len(row[v])) for v in variants) + " |")
        out.append("")
    return out


def _is_shift(variant: str) -> bool:
    return variant.endswith("PSI 0.2")


def evidently_table(ev: dict, rec: dict) -> list[str]:
    """Evidently's alerts beside telltale's default (psi 0.1) on the same windows: per size,
    then per shape and window kind."""
    if "error" in ev or "skipped" in ev:
        return [f"Evidently: {ev.get('error') or ev.get('skipped')}", ""]
    t = DRIFT_DEFAULT_THRESHOLDS["psi"]
    rows, per_size = [], {}
    for k, e in ev.items():
        if k.count("|") != 2 or k.startswith(("seconds", "cut", "windows")):
            continue
        n, shape, variant = k.split("|")
        mine = rec.get(f"drift|{n}|{shape}|{variant}|psi", {"values": []})["values"][: e["n"]]
        tel = sum(1 for v in mine if v is not None and v >= t)
        rows.append(f"| {int(n):,} | {shape} | {variant} | {', '.join(e['methods'])} | {_pct(e['alerts'], e['n'])} "
                    f"| {_pct(tel, len(mine))} |")
        kind = "stable" if variant == "stable" else "shift" if _is_shift(variant) else None
        if kind:
            s = per_size.setdefault(int(n), {"stable": [0, 0, 0, 0], "shift": [0, 0, 0, 0]})[kind]
            s[0], s[1], s[2], s[3] = s[0] + e["alerts"], s[1] + e["n"], s[2] + tel, s[3] + len(mine)
    out = [f"Evidently {ev.get('spec', '')}, `Report([DataDriftPreset()])` with its per-column defaults "
           "(for these sizes: Wasserstein distance (normed) ≥ 0.1 on numeric columns, Jensen-Shannon "
           "distance ≥ 0.1 on categorical ones), on the first windows of each size: the same rows "
           "telltale judged. telltale's figures: `data_drift` with its default method and threshold "
           "(psi ≥ 0.1) on exactly those windows.", "",
           "| rows | windows | s per window (Evidently) | false alerts: Evidently | false alerts: telltale "
           "| PSI 0.2 caught: Evidently | PSI 0.2 caught: telltale |", "|---|---|---|---|---|---|---|"]
    for n in sorted(per_size):
        st, sh = per_size[n]["stable"], per_size[n]["shift"]
        w = ev.get(f"windows|{n}", 0)
        spw = ev.get(f"seconds|{n}", 0.0) / w if w else float("nan")
        out.append(f"| {n:,} | {w} | {spw:.1f} | {_pct(st[0], st[1])} | {_pct(st[2], st[3])} | "
                   f"{_pct(sh[0], sh[1])} | {_pct(sh[2], sh[3])} |")
    cuts = [f"{int(k.split('|')[1]):,} rows: {v}" for k, v in ev.items() if k.startswith("cut|")]
    out += ["", "Counts are column-windows (windows × shapes); PSI-0.2 shifts are the mean and scale "
            "shifts of the numeric shapes and the mix / label shifts of the categorical ones."
            + (f" Evidently was stopped at its time limit ({'; '.join(cuts)}); the windows it finished "
               "are counted." if cuts else ""),
            "Evidently reads the raw rows into pandas: at 10M rows a window (21 columns × 2 × 10M "
            "values) would take it the 1M time × 10 or more per window, so it is not run there.", "",
            "Per shape and window kind:", "",
            "| rows | shape | window | Evidently's test | Evidently alerts | telltale alerts |",
            "|---|---|---|---|---|---|"] + rows
    return out + [""]


def rejudge(rec: dict) -> dict:
    """Drift alerts recounted as value >= the method's default threshold (the verdict of
    `monitors.detection.at_least`), so the tables show the defaults of the code that renders."""
    out = {}
    for k, e in rec.items():
        f, _, _, _, m = k.split("|")
        if f == "drift":
            t = DRIFT_DEFAULT_THRESHOLDS[m]
            e = {**e, "alerts": sum(1 for v in e["values"] if v is not None and v >= t)}
        out[k] = e
    return out


def _wilson(a: int, n: int, z: float = 1.96) -> str:
    """Wilson score interval of a rate a/n, as text."""
    p, d = a / n, 1 + z * z / n
    c, h = (p + z * z / (2 * n)) / d, z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return f"{100 * (c - h):.1f}-{100 * (c + h):.1f} %"


def summary(rec: dict, anomaly: dict) -> str:
    """Does every default meet the targets in every cell? Drift: both targets; new_values and
    anomaly detection: the false-alert target on stable windows."""
    bad = []
    for k, e in rec.items():
        f, n, shape, variant, m = k.split("|")
        rate = e["alerts"] / e["n"]
        if (variant == "stable" and rate > FA_TARGET) or (f == "drift" and variant.endswith("PSI 0.2")
                                                         and rate < DETECT_TARGET):
            bad.append(f"{f} {m} at {int(n):,} rows, {shape}, {variant}: {100 * rate:.1f}%")
    for n, by_cfg in anomaly.items():
        for name, by_variant in by_cfg.items():
            st = by_variant.get("stable", [])
            if st and sum(st) / len(st) > FA_TARGET and not name.startswith("before:"):
                pooled = [x for by in anomaly.values() for x in by[name].get("stable", [])]
                bad.append(f"{name} at {int(n):,} rows/day, stable: {_pct(sum(st), len(st))} (all sizes "
                           f"together: {_pct(sum(pooled), len(pooled))}; 95 % interval of this cell's rate "
                           f"{_wilson(sum(st), len(st))})")
    if not bad:
        return ("**Every default meets the targets in every cell**: every drift method at most 1 % false "
                "alerts per column-window on stable data and at least 95 % of PSI-0.2 shifts caught, at "
                "every size and shape; `new_values` and every anomaly configuration at most 1 % false "
                "alerts on stable windows (their detection rates are in their tables).")
    return "**Cells missing a target**: " + "; ".join(sorted(bad)) + "."


def render(meta: dict, rec: dict, anomaly: dict, ev: dict, validation: dict, cbpe: dict) -> str:
    """The whole document."""
    rec = rejudge(rec)
    head = ["# Alert quality: false alerts and detection of telltale's defaults", "",
            "Generated by `python bench/alert_quality.py` (do not edit by hand; the narrative "
            "lives in the sections this script writes and in docs/monitors.md).", "",
            f"Windows per size: {', '.join(f'{int(n):,} rows: {w}' for n, w in meta['windows'].items())}; "
            f"anomaly windows: {meta['anomaly_windows']} per size; seed {meta['seed']}; "
            f"{meta['seconds']} s ({meta['seconds'] / 60:.0f} min) on this machine with "
            f"{meta.get('workers', 1)} worker processes (2 cores shared with other jobs)"
            + (" — a `--quick` smoke run, not the study" if meta.get("quick") else "") + "."
            + "".join(f" Re-run with `--only {','.join(r['parts'])}` at {r['at']} ({r['seconds']} s): "
                      f"those sections come from that run." for r in meta.get("reruns", [])), "",
            summary(rec, anomaly), "",
            "Counts in the tables are column-windows (windows × shapes).", "",
            "## Method", "",
            "- Numeric shapes: " + ", ".join(SHAPES) + ". Categorical: " + ", ".join(CAT_SHAPES) + ".",
            "- Window i's baseline is window i-1's rows: one window of rows (`baseline: {window: "
            "{last: 1d}}`), the noisiest rolling baseline. A 28-day baseline has 28x the rows, so its "
            "false-alert rates are at most these.",
            "- Shifts are calibrated to a population PSI (telltale's PSI on two 500k-row samples): mean "
            "shifts (+δ·sd; integer: +2 on a share of rows), scale shifts (spread about the median "
            "× (1+s)), category-mix changes ((1-w)·p + w·reversed p), label shifts (the binary label's "
            "positive share). Null spikes and volume drops are measured by missing_values and "
            "model_activity with anomaly detection, new categories by new_values.",
            "- Summaries are computed in numpy exactly as the planner does (the same partials, "
            "`Grid.bin_of`, `top_values`, new_values' counts cut at `max_values`) and judged by each "
            "monitor type's own `evaluate`. "
            "Categorical counts of n independent rows are drawn as the multinomial they are. "
            "The grid of each numeric shape is fixed from a 500k-row baseline sample (0.1 % / 99.9 % "
            "quantiles), as a stored grid stays fixed.",
            "- A cell is one (size, shape, window kind); a monitor-window is one column's verdict in one window.",
            "", "### The in-warehouse path gives the same numbers", "",
            "Windows run through DuckDB with `telltale run` (pushed-down SQL, stored partials; "
            "grid read back from the state store) against the numpy path on the same rows, all "
            "numeric and categorical methods and new_values: largest |difference| of the values (statuses equal):", ""]
    head += [f"- {k.replace('|', ', ')}: {v if isinstance(v, str) else f'{v:.2e}'}" for k, v in validation.items()]
    head += ["", "### Shift calibration", "", "| shape | shift | PSI target | parameter | PSI reached |",
             "|---|---|---|---|---|"]
    head += [f"| {a} | {b} | {c:g} | {d:g} | {e:g} |" for a, b, c, d, e in meta["calibration"]]
    body = ["", "## Drift monitors", ""] + drift_tables(rec) + threshold_table(rec) + new_values_table(rec)
    body += ["## Evidently side by side", ""] + evidently_table(ev, rec)
    body += aq_cbpe.table(cbpe)
    body += ["## Anomaly detection", "",
             "Daily volume: rows/day × weekday profile (weekend ≈ 0.7) × log-normal noise (5 % sd), "
             "Poisson-drawn; the focal day dropped by 10-50 %. Null share: 1 % binomial, spiked by "
             "0.5-2 points. Each cell: share of windows alerting.", ""] + anomaly_tables(anomaly)
    return "\n".join(head + body) + "\n"
