"""Benchmark: the steady-state daily run vs a full recompute, on 90 days x 10M rows in DuckDB.

The question (issue 9, item 7): once the state store holds the per-day summaries, how
much does the next daily run cost compared with recomputing every summary from the rows?
Goal: the daily run's warehouse time and whole-process time at most 1/20 of the full
recompute's, with equal results.

    python bench/incremental.py                   # 10M rows, median of 3
    python bench/incremental.py --rows 1e6 --repeat 1
    python bench/incremental.py --write           # also update bench/BENCHMARKS.md

Data: `bench/data/incremental_<rows>.duckdb`, the generator of fused_scan.py over 90
days (rows spread evenly, stored in time order; 20 numeric features of varied shapes,
five of which drift on the last day, day 89).

Project: one model, daily buckets, the baseline the last 89 days before the focal day
(`baseline: {window: {last: 89d, skip: 0d}}`), so an evaluation reads all 90 days:
a KS `data_drift` over the 20 features, a PSI `data_drift` over 5 of them, a
`metric_change` (mean of f0, 10% change), `model_activity` (30% change) and
`missing_values` (absolute 1%).

What is timed, each run as its own process (`telltale run --at ... --json`), wall
seconds of the whole process, warehouse seconds = the sum of its `queries[].seconds`:

* warm-up (not timed): a run at day 89 00:00 (focal day 88) on a fresh store: it stores
  the histogram grids and the per-day summaries of days 0..88.
* daily: the next day's run, at day 90 00:00 (focal day 89), on a copy of that store:
  only day 89 is pushed down; days 0..88 come from the store.
* full: the same run on a copy of that store with every stored summary deleted (the
  grids kept, so both runs bin on the same edges): all 90 days are pushed down again.

Each repetition starts from fresh copies of the two stores. The two runs' results
(value and status of every monitor, column and segment) are compared: equal within 1e-9
relative (floating-point sums merged in another order), statuses identical.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fused_scan import FEATURE_SQL, FEATURES, START  # noqa: E402
from fused_scan import write_predictions  # noqa: E402
from pycache import precompile  # noqa: E402

DAYS = 90
WARMUP_AT = START + timedelta(days=DAYS - 1)
DAILY_AT = START + timedelta(days=DAYS)
DATA = HERE / "data"
GOAL = 1 / 20


def ensure_data(rows: int) -> Path:
    """The 90-day warehouse file (generated once, then reused)."""
    return write_predictions(DATA / f"incremental_{rows}.duckdb", rows,
                             [f"CAST({sql} AS DOUBLE) AS {name}" for name, sql in FEATURE_SQL], days=DAYS)


def project_yaml(db: Path) -> str:
    """The benchmark project (see the module docstring)."""
    feats = ", ".join(f"{c}: numeric" for c in FEATURES)
    return f"""\
version: 1
store: sqlite:///state.db
connections:
  wh: {{type: duckdb, database: "{db}"}}
models:
  bench:
    type: binary
    connection: wh
    source: {{table: predictions}}
    id: prediction_id
    timestamp: ts
    features: {{{feats}}}
    predictions: {{score: numeric}}
    granularity: day
    baseline: {{window: {{last: 89d, skip: 0d}}}}
monitors:
  - {{name: drift ks, model: bench, type: data_drift, method: ks, threshold: 0.1}}
  - {{name: drift psi, model: bench, type: data_drift, method: psi, threshold: 0.2,
     columns: [f0, f5, f9, f13, f17]}}
  - {{name: mean f0, model: bench, type: metric_change, columns: [f0], statistic: mean,
     detection: {{change: {{percent: 10}}}}}}
  - {{name: volume, model: bench, type: model_activity, detection: {{change: {{percent: 30}}}}}}
  - {{name: missing, model: bench, type: missing_values, columns: [f1, f2],
     detection: {{absolute: {{max: 0.01}}}}}}
"""


def run(project: Path, at) -> dict:
    """One `telltale run` as its own process: wall seconds, warehouse seconds, the JSON."""
    exe = Path(sys.executable).with_name("telltale")
    started = time.perf_counter()
    res = subprocess.run([str(exe), "run", "--project", str(project), "--at", f"{at:%Y-%m-%dT%H:%M:%SZ}",
                          "--json"], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if res.returncode not in (0, 1):
        raise SystemExit(f"telltale run failed ({res.returncode}): {res.stderr[-2000:]}")
    out = json.loads(res.stdout)
    return {"wall": wall, "warehouse": sum(q["seconds"] for q in out["queries"]),
            "queries": len(out["queries"]), "json": out}


def compare(a: dict, b: dict) -> tuple[int, float, list[str]]:
    """(results compared, max relative difference of values, mismatches)."""
    def key(r: dict) -> tuple:
        return (r["monitor"], r["column"] or "", json.dumps(r["segment"], sort_keys=True), r["metric"])
    ra, rb = {key(r): r for r in a["results"]}, {key(r): r for r in b["results"]}
    bad: list[str] = []
    worst = 0.0
    if ra.keys() != rb.keys():
        bad.append(f"different results: {sorted(set(ra) ^ set(rb))}")
    for k in ra.keys() & rb.keys():
        x, y = ra[k], rb[k]
        if x["status"] != y["status"]:
            bad.append(f"{k}: status {x['status']} vs {y['status']}")
        if (x["value"] is None) != (y["value"] is None):
            bad.append(f"{k}: value {x['value']} vs {y['value']}")
        elif x["value"] is not None:
            rel = abs(x["value"] - y["value"]) / max(abs(x["value"]), abs(y["value"]), 1e-300)
            worst = max(worst, rel)
            if rel > 1e-9:
                bad.append(f"{k}: value {x['value']!r} vs {y['value']!r}")
    return len(ra), worst, bad


def prepare(db: Path, work: Path) -> tuple[Path, Path]:
    """The warmed-up store (daily) and the same store without summaries (full)."""
    daily = work / "daily0"
    daily.mkdir(parents=True)
    (daily / "telltale.yml").write_text(project_yaml(db))
    print("warm-up run (stores grids and days 0..88) ...", file=sys.stderr, flush=True)
    warm = run(daily, WARMUP_AT)
    print(f"  {warm['wall']:.1f} s, {warm['warehouse']:.1f} s in the warehouse", file=sys.stderr, flush=True)
    full = work / "full0"
    shutil.copytree(daily, full)
    con = sqlite3.connect(full / "state.db")
    n = con.execute("DELETE FROM partials").rowcount
    con.commit()
    con.execute("VACUUM")
    con.close()
    print(f"  full-recompute store: {n} stored summaries deleted, grids kept", file=sys.stderr, flush=True)
    return daily, full


def main() -> None:
    """Measure and print (and with --write, record in BENCHMARKS.md)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=float, default=1e7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="replace the section in bench/BENCHMARKS.md")
    args = ap.parse_args()
    rows = int(args.rows)
    db = ensure_data(rows)
    precompile()   # as an installed wheel has them (bench/pycache.py)
    work = Path(tempfile.mkdtemp(prefix="incremental-"))
    try:
        daily0, full0 = prepare(db, work)
        daily_runs, full_runs, checks = [], [], []
        for i in range(args.repeat):
            for name, src, sink in (("daily", daily0, daily_runs), ("full", full0, full_runs)):
                copy = work / f"{name}{i + 1}"
                shutil.copytree(src, copy)
                r = run(copy, DAILY_AT)
                sink.append(r)
                print(f"{name} #{i + 1}: {r['wall']:.2f} s whole process, {r['warehouse']:.2f} s warehouse, "
                      f"{r['queries']} queries", file=sys.stderr, flush=True)
            checks.append(compare(daily_runs[-1]["json"], full_runs[-1]["json"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {k: {m: statistics.median(r[m] for r in runs) for m in ("wall", "warehouse")}
           for k, runs in (("daily", daily_runs), ("full", full_runs))}
    n, worst, bad = max(checks, key=lambda c: (len(c[2]), c[1]))
    report = render(rows, args.repeat, med, daily_runs, full_runs, n, worst, bad)
    print(report)
    if args.write:
        write_section(report)
    if bad:
        raise SystemExit("results differ: " + "; ".join(bad[:5]))


def render(rows: int, repeat: int, med: dict, daily: list, full: list, n: int, worst: float,
           bad: list[str]) -> str:
    """The markdown block of BENCHMARKS.md."""
    wh = med["daily"]["warehouse"] / med["full"]["warehouse"]
    wall = med["daily"]["wall"] / med["full"]["wall"]

    def verdict(ratio: float) -> str:
        return f"1/{1 / ratio:.0f}" + (" (goal met)" if ratio <= GOAL else " (goal 1/20 not met)")

    lines = [
        f"`python bench/incremental.py --rows {rows:g} --repeat {repeat}` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; {rows:,} rows over {DAYS} days "
        f"({rows // DAYS:,} a day), medians of {repeat}.",
        "",
        "| run | whole process (s) | warehouse (s) | queries |",
        "|---|---|---|---|",
        f"| full recompute (all {DAYS} days pushed down) | {med['full']['wall']:.2f} | "
        f"{med['full']['warehouse']:.2f} | {full[0]['queries']} |",
        f"| steady-state daily run (day {DAYS - 1} pushed down) | {med['daily']['wall']:.2f} | "
        f"{med['daily']['warehouse']:.2f} | {daily[0]['queries']} |",
        f"| ratio daily / full | {verdict(wall)} | {verdict(wh)} | |",
        "",
        f"Results: {n} results compared, "
        + ("all statuses equal, values equal within "
           f"{worst:.1e} relative." if not bad else f"{len(bad)} differ: {'; '.join(bad[:3])}"),
    ]
    return "\n".join(lines)


BEGIN, END = "<!-- incremental.py: begin -->", "<!-- incremental.py: end -->"


def write_section(block: str) -> None:
    """Replace (or append) the generated block of the "Incremental" section of BENCHMARKS.md."""
    path = HERE / "BENCHMARKS.md"
    text = path.read_text()
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = f"{head}{BEGIN}\n{block}\n{END}{tail}"
    else:
        text += (f"\n## Incremental: the steady-state daily run vs a full recompute (issue 9)\n\n"
                 f"What and how: the docstring of `bench/incremental.py`.\n\n{BEGIN}\n{block}\n{END}\n")
    path.write_text(text)


if __name__ == "__main__":
    main()
