"""Benchmark: the steady-state daily run vs a full recompute, on 90 days x 10M rows in DuckDB.

The question (issue 9, item 7): once the state store holds the per-day summaries, how
much does the next daily run cost compared with recomputing every summary from the rows?
Goal: the daily run's warehouse time and whole-process time at most 1/20 of the full
recompute's, with equal results.

    python bench/incremental.py                   # 10M rows, median of 3
    python bench/incremental.py --rows 1e7,1e8    # 10M and 100M rows (100M: ~12 GB, ~2 min to generate)
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

What is timed, two ways:

* whole process: each run as its own process (`telltale run --at ... --json`): wall
  seconds and CPU seconds (user + system, all threads) of the whole process, which
  include starting Python and importing telltale and its libraries (a fixed ~1 s);
* in process, as `telltale serve` runs a due monitor: a process that has loaded the
  project and run before (so its modules are imported) times `project.run(at)`
  (`telltale.load`, docs/python.md): wall and CPU seconds of the run alone. For the daily
  run that process ran the previous day's run on the same store, as a `serve` process
  in its steady state has (so its per-process cache of stored summaries, docs/serving.md,
  holds days 0..88); for the full recompute it ran once on
  another copy of the store (a run on its own store would store the 89 days it recomputes);

warehouse seconds = the sum of the run's `queries[].seconds`. For scale, the same run also
times processes that only start Python and import DuckDB (and numpy and pyarrow): the floor
under any whole-process run, whatever it computes. The runs:

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
import resource
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


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run(project: Path, at) -> dict:
    """One `telltale run` as its own process: wall and CPU seconds, warehouse seconds, the JSON."""
    exe = Path(sys.executable).with_name("telltale")
    cpu0, started = _children_cpu(), time.perf_counter()
    res = subprocess.run([str(exe), "run", "--project", str(project), "--at", f"{at:%Y-%m-%dT%H:%M:%SZ}",
                          "--json"], capture_output=True, text=True)
    wall, cpu = time.perf_counter() - started, _children_cpu() - cpu0
    if res.returncode not in (0, 1):
        raise SystemExit(f"telltale run failed ({res.returncode}): {res.stderr[-2000:]}")
    out = json.loads(res.stdout)
    return {"wall": wall, "cpu": cpu, "warehouse": sum(q["seconds"] for q in out["queries"]),
            "queries": len(out["queries"]), "json": out}


IN_PROCESS = """\
import json, sys, time
import telltale
warm, measured, at, before = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
project = telltale.load(measured, warehouse=False)        # serve loads its project once
if before:                                                # the previous day's run, same store
    project.run(at=before)
else:                                                     # a run elsewhere: modules imported
    telltale.load(warm, warehouse=False).run(at=at)
cpu0, t0 = time.process_time(), time.perf_counter()
report = project.run(at=at)
wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
print(json.dumps({"wall": wall, "cpu": cpu, "json": report.as_json()}))
"""


def run_in_process(warm: Path, project: Path, at, before=None) -> dict:
    """`project.run(at)` timed inside a process that has already run once (as `serve` does)."""
    res = subprocess.run([sys.executable, "-c", IN_PROCESS, str(warm), str(project), f"{at:%Y-%m-%dT%H:%M:%SZ}",
                          f"{before:%Y-%m-%dT%H:%M:%SZ}" if before is not None else ""],
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"in-process run failed ({res.returncode}): {res.stderr[-2000:]}")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    q = out["json"]["queries"]
    return {"wall": out["wall"], "cpu": out["cpu"], "warehouse": sum(x["seconds"] for x in q),
            "queries": len(q), "json": out["json"]}


FLOORS = {"Python start-up": "pass", "Python + import duckdb": "import duckdb",
          "Python + import duckdb, numpy, pyarrow": "import duckdb, numpy, pyarrow"}


def floors(repeat: int) -> dict[str, float]:
    """Wall seconds (median) of processes that only start Python and import what any daily
    run must: the least a whole-process daily run could take, whatever telltale does."""
    out = {}
    for name, code in FLOORS.items():
        times = []
        for _ in range(max(repeat, 3)):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times.append(time.perf_counter() - started)
        out[name] = statistics.median(times)
    return out


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


def measure(rows: int, repeat: int) -> dict:
    """Every run of one size: whole-process and in-process runs, daily and full, and checks."""
    db = ensure_data(rows)
    work = Path(tempfile.mkdtemp(prefix="incremental-"))
    runs: dict[str, list[dict]] = {k: [] for k in ("daily", "full", "daily_in", "full_in")}
    checks = []
    try:
        daily0, full0 = prepare(db, work)
        for i in range(repeat):
            for name, src in (("daily", daily0), ("full", full0)):
                copy = work / f"{name}{i + 1}"
                shutil.copytree(src, copy)
                r = run(copy, DAILY_AT)
                runs[name].append(r)
                print(f"{name} #{i + 1}: {r['wall']:.2f} s whole process ({r['cpu']:.2f} CPU s), "
                      f"{r['warehouse']:.2f} s warehouse, {r['queries']} queries", file=sys.stderr, flush=True)
                warm, copy = work / f"{name}{i + 1}_warm", work / f"{name}{i + 1}_in"
                shutil.copytree(daily0, warm)
                shutil.copytree(src, copy)
                r = run_in_process(warm, copy, DAILY_AT, WARMUP_AT if name == "daily" else None)
                runs[f"{name}_in"].append(r)
                print(f"{name} #{i + 1} in process: {r['wall']:.2f} s ({r['cpu']:.2f} CPU s), "
                      f"{r['warehouse']:.2f} s warehouse", file=sys.stderr, flush=True)
            checks.append(compare(runs["daily"][-1]["json"], runs["full"][-1]["json"]))
            checks.append(compare(runs["daily_in"][-1]["json"], runs["full"][-1]["json"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("wall", "cpu", "warehouse")} for k, v in runs.items()}
    n, worst, bad = max(checks, key=lambda c: (len(c[2]), c[1]))
    return {"rows": rows, "med": med, "queries": {k: v[0]["queries"] for k, v in runs.items()},
            "n": n, "worst": worst, "bad": bad}


def main() -> None:
    """Measure and print (and with --write, record in BENCHMARKS.md)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1e7", help="row counts over the 90 days, comma-separated (default 1e7)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="replace the section in bench/BENCHMARKS.md")
    args = ap.parse_args()
    precompile()   # as an installed wheel has them (bench/pycache.py)
    load0 = os.getloadavg()
    sizes = [measure(int(float(r)), args.repeat) for r in args.rows.split(",")]
    report = render(args.rows, args.repeat, sizes, load0, os.getloadavg(), floors(args.repeat))
    print(report)
    if args.write:
        write_section(report)
    bad = [b for size in sizes for b in size["bad"]]
    if bad:
        raise SystemExit("results differ: " + "; ".join(bad[:5]))


def render(rows_arg: str, repeat: int, sizes: list[dict], load0: tuple, load1: tuple,
           floor: dict[str, float]) -> str:
    """The markdown block of BENCHMARKS.md."""
    def ratio(daily: float, full: float) -> str:
        r = daily / full
        return f"1/{1 / r:.0f}" + (" (goal met)" if r <= GOAL else " (goal 1/20 not met)")

    lines = [
        f"`python bench/incremental.py --rows {rows_arg} --repeat {repeat}` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; medians of {repeat}; load average "
        f"(1, 5, 15 min) {', '.join(f'{x:.1f}' for x in load0)} before, {', '.join(f'{x:.1f}' for x in load1)} after.",
        "",
        "| rows over 90 days | run | whole process: wall s (CPU s) | in process, as `serve`: wall s (CPU s) "
        "| warehouse s | queries |",
        "|---|---|---|---|---|---|",
    ]
    for z in sizes:
        m = z["med"]
        lines += [
            f"| {z['rows']:,} ({z['rows'] // DAYS:,} a day) | full recompute (all {DAYS} days pushed down) | "
            f"{m['full']['wall']:.2f} ({m['full']['cpu']:.2f}) | {m['full_in']['wall']:.2f} ({m['full_in']['cpu']:.2f}) | "
            f"{m['full']['warehouse']:.2f} | {z['queries']['full']} |",
            f"| | steady-state daily run (day {DAYS - 1} pushed down) | {m['daily']['wall']:.2f} ({m['daily']['cpu']:.2f}) | "
            f"{m['daily_in']['wall']:.2f} ({m['daily_in']['cpu']:.2f}) | {m['daily']['warehouse']:.2f} | "
            f"{z['queries']['daily']} |",
            f"| | **ratio daily / full** | {ratio(m['daily']['wall'], m['full']['wall'])} | "
            f"{ratio(m['daily_in']['wall'], m['full_in']['wall'])} | "
            f"{ratio(m['daily']['warehouse'], m['full']['warehouse'])} | |",
        ]
    lines.append("")
    for z in sizes:
        lines.append(f"Results at {z['rows']:,} rows: {z['n']} results compared (daily vs full, whole-process and "
                     "in-process runs), " + ("all statuses equal, values equal within "
                                            f"{z['worst']:.1e} relative." if not z["bad"] else
                                            f"{len(z['bad'])} differ: {'; '.join(z['bad'][:3])}"))
    lines.append("")
    lines.append("The floor of a whole-process run (a process that only starts Python and imports; medians): "
                 + ", ".join(f"{name} {sec:.2f} s" for name, sec in floor.items()) + ".")
    for z in sizes:
        full = z["med"]["full"]["wall"]
        lines.append(f"At {z['rows']:,} rows 1/20 of the full recompute's whole process is {full / 20:.2f} s; "
                     f"importing DuckDB, numpy and pyarrow alone is 1/{full / max(floor.values()):.0f} of it.")
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
