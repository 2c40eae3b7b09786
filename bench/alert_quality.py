"""Alert-quality study: how often each monitor's defaults alert on stable data, and how often
they catch shifts of known size. Writes docs/ALERT_QUALITY.md and bench/results/alert_quality.json.

    python bench/alert_quality.py                 # the study: 200 windows at 10k, 100k, 1M and
                                                  # 10M rows, Evidently on 200 + 50 + 3 of them,
                                                  # estimated_performance vs realized (~1 h on 2 cores)
    python bench/alert_quality.py --quick         # smoke run (20 windows, 10k and 100k only, ~2 min)
    python bench/alert_quality.py --no-evidently  # telltale only
    python bench/alert_quality.py --render-only   # rewrite the document from the stored JSON

The work is split into tasks (chunks of windows of one size, the anomaly windows, the
estimated_performance windows, the DuckDB validation) run by `--workers` processes (2);
each task seeds its own generator from (seed, size, first window), so the numbers do not
depend on the scheduling. Evidently runs in its own virtual environment (bench/.venvs,
created on first use) in a third process once its windows are saved.

Windows: per size (10k, 100k, 1M, 10M rows) and per window, a fresh draw of each
distribution shape (aq_sim.SHAPES, CAT_SHAPES). The baseline of window i is window i-1's
draw, one window of rows (the noisiest rolling baseline, `last: 1d`; a 28-day baseline
holds 28x the rows, so its false-alert rates are at most these). Shifted variants
transform the focal draw by a shift calibrated to a population PSI (0.1, 0.2).
Each window's summaries are computed in numpy exactly as the planner does (aq_sim) and
judged by the monitors' own `evaluate`; `--validate` (on by default) runs a few 10k and
100k windows through DuckDB with `telltale run` and checks the values are identical.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import shutil
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed, wait
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import aq_anomaly  # noqa: E402
import aq_cbpe  # noqa: E402
import aq_evidently_driver as evid  # noqa: E402
import aq_report  # noqa: E402
import aq_validate  # noqa: E402
from aq_sim import (C, CAT_CONFIGS, CAT_SHAPES, DRIFT_CONFIGS, PSI_TARGETS, SHAPES, SHIFT_KINDS, X,  # noqa: E402
                    calibrate, calibrate_mix, drift_pair, evaluate, mixed, monitor, numeric_summary_of,
                    shifted, values_summary_of, context)
from telltale.core.grids import Grid  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
RESULTS = HERE / "results" / "alert_quality.json"
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


def study_size(n: int, first: int, count: int, refs: dict[str, Any], rng: np.random.Generator, rec: dict,
               keep: int, keep_dir: Path | None) -> None:
    """Drift windows `first` .. `first + count - 1` of one size; the windows below `keep`
    have their rows saved for Evidently. The first window's baseline is a fresh draw."""
    prev: dict[str, Any] = {shape: draw(rng, n) for shape, draw in SHAPES.items()}
    prev_sum = {shape: numeric_summary_of(refs["numeric"][shape]["grid"], x) for shape, x in prev.items()}
    prev_cat = {shape: rng.multinomial(n, p) for shape, p in CAT_SHAPES.items()}
    for w in range(first, first + count):
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
                del xv
            prev[shape] = x
        for shape, p in CAT_SHAPES.items():
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
        if n >= 10_000_000 and (w - first + 1) % 5 == 0:
            log(f"  {n:,} rows: windows {first}..{w} done")


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


CHUNK = {10_000: 100, 100_000: 100, 1_000_000: 50, 10_000_000: 20}
"""Windows per task. Each task seeds its own generator from (seed, size, first window), so
the results do not depend on how the tasks are scheduled over the worker processes."""
CBPE_WINDOWS = {10_000: 200, 100_000: 200, 1_000_000: 20}
CBPE_CHUNK = 100


def drift_task(n: int, first: int, count: int, refs: dict[str, Any], seed: int, keep: int,
               keep_dir: Path | None) -> dict:
    """One chunk of drift / new_values windows (a worker process)."""
    rec: dict[str, Any] = {}
    study_size(n, first, count, refs, np.random.default_rng([seed, n, 1, first]), rec, keep, keep_dir)
    return rec


def new_values_task(n: int, windows: int, seed: int) -> dict:
    """The new_values windows alone (`--only new_values`): the categorical shapes' chain of
    multinomial draws, each window's baseline the window before, as `study_size` draws them."""
    rng = np.random.default_rng([seed, n, 4, 0])
    rec: dict[str, Any] = {}
    for shape, p in CAT_SHAPES.items():
        base = rng.multinomial(n, p)
        for _ in range(windows):
            focal = rng.multinomial(n, p)
            new_values(n, shape, base, focal, rec)
            base = focal
    return rec


def only(args: argparse.Namespace) -> int:
    """Re-run some parts (`--only anomaly,new_values`) into the stored results and re-render:
    the other parts keep the numbers of the run that wrote bench/results/alert_quality.json."""
    parts = set(args.only.split(","))
    unknown = parts - {"anomaly", "new_values"}
    if unknown:
        raise SystemExit(f"--only takes anomaly and/or new_values, not {', '.join(sorted(unknown))}")
    d = json.loads(RESULTS.read_text(encoding="utf-8"))
    sizes = [int(n) for n in d["meta"]["windows"]]
    t0 = time.time()
    with ProcessPoolExecutor(args.workers, mp_context=mp.get_context("spawn")) as pool:
        nv = {n: pool.submit(new_values_task, n, int(d["meta"]["windows"][str(n)]), args.seed)
              for n in sizes} if "new_values" in parts else {}
        an = {n: pool.submit(anomaly_task, n, args.anomaly_windows, args.seed) for n in sizes} \
            if "anomaly" in parts else {}
        for n, fut in nv.items():
            d["drift"] = {k: v for k, v in d["drift"].items() if not k.startswith(f"new_values|{n}|")}
            d["drift"].update(fut.result())
            log(f"new_values {n:,} rows done ({time.time() - t0:.0f} s)")
        for n, fut in an.items():
            d["anomaly"][str(n)] = fut.result()
            log(f"anomaly {n:,} rows done ({time.time() - t0:.0f} s)")
    if an:
        d["meta"]["anomaly_windows"] = args.anomaly_windows
    d["meta"].setdefault("reruns", []).append(
        {"parts": sorted(parts), "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
         "seconds": round(time.time() - t0)})
    RESULTS.write_text(json.dumps(d), encoding="utf-8")
    write_doc(d)
    log(f"wrote {DOC} and {RESULTS} in {time.time() - t0:.0f} s")
    return 0


def write_doc(d: dict[str, Any]) -> None:
    """docs/ALERT_QUALITY.md from the results (as stored in bench/results/alert_quality.json)."""
    DOC.write_text(aq_report.render(d["meta"], d["drift"], d["anomaly"], d["evidently"], d["validation"],
                                    d["cbpe"]), encoding="utf-8")


def anomaly_task(n: int, windows: int, seed: int) -> dict:
    """model_activity and missing_values windows of one size (a worker process)."""
    rng = np.random.default_rng([seed, n, 2, 0])
    return {**aq_anomaly.activity(rng, n, windows), **aq_anomaly.nulls(rng, n, windows)}


def cbpe_task(n: int, first: int, count: int, grid: Any, seed: int) -> dict:
    """estimated_performance windows (a worker process)."""
    return aq_cbpe.windows(n, count, grid, np.random.default_rng([seed, n, 3, first]))


def merge_recs(recs: list[dict]) -> dict:
    """Records of consecutive chunks (in window order) as one."""
    out: dict[str, Any] = {}
    for rec in recs:
        for k, e in rec.items():
            o = out.setdefault(k, {"values": [], "alerts": 0, "n": 0})
            o["values"] += e["values"]
            o["alerts"] += e["alerts"]
            o["n"] += e["n"]
    return out


def merge_cbpe(parts: list[dict]) -> dict:
    """CBPE pairs of consecutive chunks as one."""
    out: dict[str, Any] = {}
    for part in parts:
        for sc, by_m in part.items():
            for m, pairs in by_m.items():
                out.setdefault(sc, {}).setdefault(m, []).extend(pairs)
    return out


def plan(args: argparse.Namespace) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """(drift windows, Evidently windows, CBPE windows) per size."""
    sizes = SIZES[:2] if args.quick else tuple(int(float(v)) for v in args.sizes.split(","))
    counts = {n: 20 if args.quick else args.windows for n in sizes}
    ev = {} if args.no_evidently else {int(float(a)): int(b) for a, b in
                                       (kv.split(":") for kv in args.evidently_windows.split(","))}
    ev = {n: min(k, 5 if args.quick else k, counts[n]) for n, k in ev.items() if n in counts}
    cb = {n: min(k, 20) if args.quick else k for n, k in CBPE_WINDOWS.items() if n in counts}
    return counts, ev, cb


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: 10k and 100k rows, 20 windows")
    ap.add_argument("--windows", type=int, default=200, help="windows per size (default 200)")
    ap.add_argument("--anomaly-windows", type=int, default=3000,
                    help="anomaly windows per size (default 3000: they are cheap, and 300 left a "
                         "0.27 %% rate's 95 %% interval reaching past 1 %%)")
    ap.add_argument("--only", help="re-run only these parts (anomaly,new_values) into the stored "
                                   "results and re-render the document")
    ap.add_argument("--evidently-windows", default="10000:200,100000:50,1000000:3",
                    help="rows:windows given to Evidently (default 10000:200,100000:50,1000000:3)")
    ap.add_argument("--no-evidently", action="store_true")
    ap.add_argument("--no-validate", action="store_true")
    ap.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="rows per window, comma-separated")
    ap.add_argument("--render-only", action="store_true",
                    help="rewrite docs/ALERT_QUALITY.md from bench/results/alert_quality.json")
    args = ap.parse_args()
    if args.only:
        return only(args)
    if args.render_only:
        write_doc(json.loads(RESULTS.read_text(encoding="utf-8")))
        return 0
    counts, ev_plan, cb_plan = plan(args)
    t0 = time.time()
    log(f"drift windows per size {counts}, Evidently {ev_plan or 'off'}, CBPE {cb_plan}, {args.workers} workers")
    log("calibrating shifts to population PSI ...")
    rng = np.random.default_rng(args.seed)
    refs = references(rng)
    grid = aq_cbpe.score_grid(rng)
    keep_dir = evid.work_dir() if ev_plan else None
    anomaly_windows = 20 if args.quick else args.anomaly_windows
    with ProcessPoolExecutor(args.workers, mp_context=mp.get_context("spawn")) as pool:
        drift: dict[tuple[int, int], Future] = {}
        # the windows Evidently reads first (in the order it reads them), then the longest tasks
        order = sorted(((n, f) for n in counts for f in range(0, counts[n], CHUNK.get(n, 100))),
                       key=lambda nf: (nf[1] >= ev_plan.get(nf[0], 0), -nf[0] if nf[1] >= ev_plan.get(nf[0], 0) else nf[0]))
        for n, f in order:
            drift[n, f] = pool.submit(drift_task, n, f, min(CHUNK.get(n, 100), counts[n] - f), refs, args.seed,
                                      ev_plan.get(n, 0), keep_dir)
        anom = {n: pool.submit(anomaly_task, n, anomaly_windows, args.seed) for n in counts} if anomaly_windows else {}
        cb = {(n, f): pool.submit(cbpe_task, n, f, min(CBPE_CHUNK, k - f), grid, args.seed)
              for n, k in cb_plan.items() for f in range(0, k, CBPE_CHUNK)}
        val = None if args.no_validate else pool.submit(aq_validate.run, refs, log)
        with ThreadPoolExecutor(1) as side:   # Evidently's own process, once its windows are saved
            def ready(size: int) -> None:
                wait([fut for (n, f), fut in drift.items() if n == size and f < ev_plan[size]])

            ev_fut = side.submit(evid.run, keep_dir, ev_plan, log, ready) if ev_plan else None
            names = {fut: f"drift {n:,} rows, windows {f}.." for (n, f), fut in drift.items()}
            names |= {fut: f"anomaly {n:,} rows" for n, fut in anom.items()}
            names |= {fut: f"estimated_performance {n:,} rows, windows {f}.." for (n, f), fut in cb.items()}
            for i, fut in enumerate(as_completed(names), 1):
                fut.result()
                log(f"[{i}/{len(names)}] done: {names[fut]} ({time.time() - t0:.0f} s)")
            evidently = ev_fut.result() if ev_fut else {"skipped": "--no-evidently"}
        validation = {"skipped": "--no-validate"} if val is None else val.result()
    if keep_dir is not None:
        shutil.rmtree(keep_dir, ignore_errors=True)   # the rows saved for Evidently (~0.5 GB)
    rec = merge_recs([drift[k].result() for k in sorted(drift)])
    cbpe = {"windows": cb_plan, "results": {n: merge_cbpe([cb[k].result() for k in sorted(cb) if k[0] == n])
                                            for n in cb_plan}}
    anomaly = {n: fut.result() for n, fut in anom.items()}
    meta = {"seed": args.seed, "windows": counts, "anomaly_windows": anomaly_windows,
            "seconds": round(time.time() - t0), "evidently_windows": ev_plan, "workers": args.workers,
            "calibration": aq_report.calibration_table(refs), "quick": args.quick}
    RESULTS.parent.mkdir(exist_ok=True)
    d = {"meta": meta, "drift": rec, "anomaly": anomaly, "evidently": evidently, "validation": validation,
         "cbpe": cbpe}
    RESULTS.write_text(json.dumps(d), encoding="utf-8")
    write_doc(d)
    log(f"wrote {DOC} and {RESULTS} in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
