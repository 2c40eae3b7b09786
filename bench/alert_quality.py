"""Alert-quality study: how often each monitor's defaults alert on stable data, and how often
they catch shifts of known size. Writes docs/ALERT_QUALITY.md and bench/results/alert_quality.json.

    python bench/alert_quality.py                 # default run: 200 windows at 10k and 100k rows,
                                                  # 60 at 1M, 10 at 10M; Evidently on 20 + 4
    python bench/alert_quality.py --full          # 200 windows at every size (hours on 2 cores)
    python bench/alert_quality.py --quick         # smoke run (20 windows, 10k and 100k only)
    python bench/alert_quality.py --no-evidently  # telltale only
    # sizes in parallel processes, then one document:
    python bench/alert_quality.py --sizes 10000,100000 --part a &
    python bench/alert_quality.py --sizes 1000000,10000000 --part b --no-evidently --no-validate &
    wait; python bench/alert_quality.py --merge

Windows: per size (10k, 100k, 1M, 10M rows) and per window, a fresh draw of each
distribution shape (aq_sim.SHAPES, CAT_SHAPES). The baseline of window i is window i-1's
draw, one window of rows (the noisiest rolling baseline, `last: 1d`; a 28-day baseline
holds 28x the rows, so its false-alert rates are at most these). Shifted variants
transform the focal draw by a shift calibrated to a population PSI (0.05, 0.1, 0.2).
Each window's summaries are computed in numpy exactly as the planner does (aq_sim) and
judged by the monitors' own `evaluate`; `--validate` (on by default) runs a few 10k and
100k windows through DuckDB with `telltale run` and checks the values are identical.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import aq_anomaly  # noqa: E402
import aq_evidently_driver as evid  # noqa: E402
import aq_report  # noqa: E402
import aq_validate  # noqa: E402
from aq_sim import (C, CAT_CONFIGS, CAT_SHAPES, DRIFT_CONFIGS, PSI_TARGETS, SHAPES, SHIFT_KINDS, X,  # noqa: E402
                    calibrate, calibrate_mix, drift_pair, evaluate, mixed, monitor, numeric_summary_of,
                    shifted, values_summary_of, context)
from telltale.core.grids import Grid  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
RESULTS = HERE / "results" / "alert_quality.json"
RESULTS_CAT = HERE / "results" / "alert_quality_categorical.json"
DOC = HERE.parent / "docs" / "ALERT_QUALITY.md"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def references(rng: np.random.Generator) -> dict[str, Any]:
    """Per numeric shape: its grid (baseline 0.1 %/99.9 % quantiles, as the planner's grid
    query) and the shift parameters reaching each PSI target; per categorical shape the mix."""
    out: dict[str, Any] = {"numeric": {}, "categorical": {}}
    for shape, draw in SHAPES.items():
        base, focal = draw(rng, 500_000), draw(rng, 500_000)
        lo, hi = np.quantile(base, [0.001, 0.999])
        grid = Grid.from_quantiles(float(lo), float(hi), float(base.min()), float(base.max()))
        ref = {"sd": float(base.std()), "median": float(np.median(base))}
        params = {kind: {t: calibrate(shape, grid, base, focal, ref, kind, t) for t in PSI_TARGETS}
                  for kind in SHIFT_KINDS}
        out["numeric"][shape] = {"grid": grid, "ref": ref, "params": params}
    for shape, p in CAT_SHAPES.items():
        out["categorical"][shape] = {t: calibrate_mix(p, t) for t in PSI_TARGETS}
    return out


def variants_numeric(refs: dict[str, Any], shape: str) -> list[tuple[str, str, float]]:
    """(variant name, shift kind, parameter): stable first."""
    out = [("stable", "", 0.0)]
    for kind, by_t in refs["numeric"][shape]["params"].items():
        out += [(f"{kind} PSI {t:g}", kind, p) for t, (p, _) in by_t.items()]
    return out


def record(rec: dict, key: tuple, value: float | None, status: str) -> None:
    entry = rec.setdefault("|".join(map(str, key)), {"values": [], "alerts": 0, "n": 0})
    entry["values"].append(None if value is None or not np.isfinite(value) else round(float(value), 6))
    entry["alerts"] += status == "alert"
    entry["n"] += 1


def study_size(n: int, windows: int, refs: dict[str, Any], rng: np.random.Generator, rec: dict,
               keep: int, keep_dir: Path | None, parts: tuple[str, ...] = ("numeric", "categorical")) -> None:
    """All drift windows of one size; the first `keep` windows' rows go to Evidently."""
    prev: dict[str, Any] = {shape: draw(rng, n) for shape, draw in SHAPES.items()} if "numeric" in parts else {}
    prev_sum = {shape: numeric_summary_of(refs["numeric"][shape]["grid"], x) for shape, x in prev.items()}
    prev_cat = {shape: rng.multinomial(n, p) for shape, p in CAT_SHAPES.items()}
    for w in range(windows):
        saved: dict[str, np.ndarray] = {}
        for shape in prev:
            r = refs["numeric"][shape]
            x, base = SHAPES[shape](rng, n), prev[shape]
            bsum = prev_sum[shape]
            for name, kind, param in variants_numeric(refs, shape):
                xv = shifted(shape, kind, x, param, r["ref"]) if kind else x
                fsum = numeric_summary_of(r["grid"], xv)
                if not kind:
                    prev_sum[shape] = fsum
                out = drift_pair(X, bsum, fsum, r["grid"], DRIFT_CONFIGS)
                for method, (value, status) in out.items():
                    record(rec, ("drift", n, shape, name, method), value, status)
                if w < keep and (not kind or name.endswith("PSI 0.2")):
                    saved[f"num|{shape}|{name}|ref"], saved[f"num|{shape}|{name}|cur"] = base, xv
            prev[shape] = x
        for shape, p in CAT_SHAPES.items() if "categorical" in parts else ():
            base = prev_cat[shape]
            bsum = values_summary_of(base)
            focal_plain = rng.multinomial(n, p)
            for t, wgt in [(0.0, 0.0)] + list(refs["categorical"][shape].items()):
                name = "stable" if not t else f"mix PSI {t:g}"
                counts = focal_plain if not t else rng.multinomial(n, mixed(p, wgt))
                out = drift_pair(C, bsum, values_summary_of(counts), None, CAT_CONFIGS)
                for method, (value, status) in out.items():
                    record(rec, ("drift", n, shape, name, method), value, status)
                if w < keep and (not t or t == 0.2):
                    saved[f"cat|{shape}|{name}|ref"], saved[f"cat|{shape}|{name}|cur"] = base, counts
            new_values(n, shape, base, focal_plain, rec)
            prev_cat[shape] = focal_plain
        if keep_dir is not None and saved:
            np.savez(keep_dir / f"w{n}_{w}.npz", **saved)
        if (w + 1) % 50 == 0:
            log(f"  {n:,} rows: {w + 1} windows")


NEW_VALUE_SHARES = (0.001, 0.01)
NEW_VALUES = monitor("new_values", columns=["c"])


def new_values(n: int, shape: str, base: np.ndarray, focal: np.ndarray, rec: dict) -> None:
    """new_values with its defaults (min_share 0, max_values 10,000) on the stable window and
    with a new category; it reads its own capped value counts (aq_sim.values_summary_of)."""
    bsum = values_summary_of(base)
    for name, share in [("stable", 0.0)] + [(f"new category {s:.1%}", s) for s in NEW_VALUE_SHARES]:
        extra = {"NEW": int(round(share * n))} if share else None
        ctx = context([C], {0: bsum, 1: values_summary_of(focal, extra)}, 1, 1)
        value, status = evaluate(NEW_VALUES, ctx)
        record(rec, ("new_values", n, shape, name, "min_share 0"), value, status)


def categorical_only(args: argparse.Namespace) -> int:
    """Recompute the categorical windows (all sizes, `--windows` each) into the stored results."""
    rng = np.random.default_rng(args.seed + 1)
    refs = {"categorical": {shape: {t: calibrate_mix(p, t) for t in PSI_TARGETS} for shape, p in CAT_SHAPES.items()}}
    rec: dict[str, Any] = {}
    for n in SIZES:
        log(f"categorical, {n:,} rows: {args.windows} windows")
        study_size(n, args.windows, refs, rng, rec, 0, None, parts=("categorical",))
    RESULTS_CAT.write_text(json.dumps({"windows": args.windows, "drift": rec}), encoding="utf-8")
    return 0


def load_results() -> dict[str, Any]:
    """The stored results, with the categorical windows of `--categorical-only` when present."""
    d = json.loads(RESULTS.read_text(encoding="utf-8"))
    if RESULTS_CAT.exists():
        cat = json.loads(RESULTS_CAT.read_text(encoding="utf-8"))
        cats = set(CAT_SHAPES)
        d["drift"] = {k: v for k, v in d["drift"].items() if k.split("|")[2] not in cats} | cat["drift"]
        d["meta"]["categorical_windows"] = cat["windows"]
    return d


def merge_parts() -> dict[str, Any]:
    """The union of the parts written with `--part` (windows, drift, anomaly; Evidently and
    the validation from the parts that ran them)."""
    parts = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(RESULTS.parent.glob("alert_quality.part-*.json"))]
    out: dict[str, Any] = {"meta": dict(parts[0]["meta"]), "drift": {}, "anomaly": {},
                           "evidently": {"skipped": "not run"}, "validation": {"skipped": "not run"}}
    out["meta"]["windows"], out["meta"]["seconds"] = {}, 0
    for p in parts:
        out["meta"]["windows"].update(p["meta"]["windows"])
        out["meta"]["seconds"] = max(out["meta"]["seconds"], p["meta"]["seconds"])
        out["drift"].update(p["drift"])
        out["anomaly"].update(p["anomaly"])
        for key in ("evidently", "validation"):
            if not {"skipped"} & set(p[key]):
                out[key] = p[key]
    out["meta"]["anomaly_windows"] = "; ".join(
        f"{p['meta']['anomaly_windows']} at {', '.join(f'{int(n):,}' for n in p['meta']['windows'])} rows"
        for p in parts)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="200 windows at every size")
    ap.add_argument("--quick", action="store_true", help="smoke run: 10k and 100k, 20 windows")
    ap.add_argument("--windows", type=int, default=200, help="windows per size below 10M (default 200)")
    ap.add_argument("--windows-1m", type=int, default=60, help="windows at 1M rows (default 60; --full: 200)")
    ap.add_argument("--windows-10m", type=int, default=10, help="windows at 10M rows (default 10; --full: 200)")
    ap.add_argument("--anomaly-windows", type=int, default=300)
    ap.add_argument("--evidently-windows", default="10000:20,100000:4",
                    help="rows:windows given to Evidently (default 10000:20,100000:4)")
    ap.add_argument("--no-evidently", action="store_true")
    ap.add_argument("--no-validate", action="store_true")
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="rows per window, comma-separated")
    ap.add_argument("--part", default="", help="write bench/results/alert_quality.part-PART.json (no doc); "
                    "--merge renders the parts, so sizes can run in parallel processes")
    ap.add_argument("--merge", action="store_true", help="render docs/ALERT_QUALITY.md from the parts")
    ap.add_argument("--categorical-only", action="store_true",
                    help="recompute the categorical drift and new_values windows into the stored JSON")
    ap.add_argument("--render-only", action="store_true",
                    help="rewrite docs/ALERT_QUALITY.md from bench/results/alert_quality.json")
    args = ap.parse_args()
    if args.categorical_only:
        return categorical_only(args)
    if args.render_only:
        d = load_results()
        DOC.write_text(aq_report.render(d["meta"], d["drift"], d["anomaly"], d["evidently"], d["validation"]),
                       encoding="utf-8")
        return 0
    if args.merge:
        d = merge_parts()
        RESULTS.write_text(json.dumps(d), encoding="utf-8")
        DOC.write_text(aq_report.render(d["meta"], d["drift"], d["anomaly"], d["evidently"], d["validation"]),
                       encoding="utf-8")
        return 0
    sizes = SIZES[:2] if args.quick else tuple(int(float(v)) for v in args.sizes.split(","))
    counts = {n: (20 if args.quick else args.windows) for n in sizes}
    if not args.quick and 1_000_000 in counts:
        counts[1_000_000] = args.windows if args.full else args.windows_1m
    if not args.quick and 10_000_000 in counts:
        counts[10_000_000] = args.windows if args.full else args.windows_10m
    ev_plan = {} if args.no_evidently else {int(float(a)): int(b) for a, b in
                                            (kv.split(":") for kv in args.evidently_windows.split(","))}
    ev_plan = {n: min(k, counts[n]) for n, k in ev_plan.items() if n in counts}
    rng = np.random.default_rng(args.seed)
    t0 = time.time()
    log("calibrating shifts to population PSI ...")
    refs = references(rng)
    rec: dict[str, Any] = {}
    keep_dir = evid.work_dir() if ev_plan else None
    for n in sizes:
        log(f"{n:,} rows: {counts[n]} windows")
        t1 = time.time()
        study_size(n, counts[n], refs, rng, rec, ev_plan.get(n, 0), keep_dir)
        log(f"{n:,} rows done in {time.time() - t1:.0f} s")
    log("anomaly detection ...")
    anomaly = {n: {**aq_anomaly.activity(rng, n, args.anomaly_windows),
                   **aq_anomaly.nulls(rng, n, args.anomaly_windows)} for n in sizes} if args.anomaly_windows else {}
    evidently = evid.run(keep_dir, ev_plan, log) if ev_plan else {"skipped": "--no-evidently"}
    validation = {"skipped": "--no-validate"} if args.no_validate else aq_validate.run(refs, log)
    meta = {"seed": args.seed, "windows": counts, "anomaly_windows": args.anomaly_windows,
            "seconds": round(time.time() - t0), "evidently_windows": ev_plan,
            "calibration": aq_report.calibration_table(refs)}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS_CAT.unlink(missing_ok=True)   # this run's categorical windows replace any recomputed ones
    if args.part:
        (RESULTS.parent / f"alert_quality.part-{args.part}.json").write_text(json.dumps(
            {"meta": meta, "drift": rec, "anomaly": anomaly, "evidently": evidently, "validation": validation}),
            encoding="utf-8")
        log(f"wrote part {args.part}")
        return 0
    RESULTS.write_text(json.dumps({"meta": meta, "drift": rec, "anomaly": anomaly, "evidently": evidently,
                                   "validation": validation}), encoding="utf-8")
    DOC.write_text(aq_report.render(meta, rec, anomaly, evidently, validation), encoding="utf-8")
    log(f"wrote {DOC} and {RESULTS} in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
