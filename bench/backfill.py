"""Benchmark: `telltale backfill` with and without the per-process summary cache.

A backfill evaluates one run per bucket. Without the cache (runner/stored.py) every run
reads and decodes every stored per-bucket summary of its baseline and merges its whole
window again; with it, each stored value is decoded once per process and windows are
merged from cached power-of-two blocks of buckets (runner/blocks.py).

    python bench/backfill.py                       # 1M rows: 24 hours hourly, 30 days daily
    python bench/backfill.py --hours 48 --days 10
    python bench/backfill.py --before-python /path/to/other/venv/bin/python

Data: `bench/data/incremental_<rows>.duckdb` (bench/incremental.py's 90 days, 20 numeric
features). Projects: incremental.py's (`project_yaml`), with

* hourly: `granularity: hour`, baseline `last: 28d` (672 buckets), the backfill of the
  24 hours after day 60 00:00;
* daily: `granularity: day`, baseline `last: 28d`, the backfill of days 60..89.

Each scenario first runs once at the first backfill time on a fresh store (not timed; it
stores the grids and the baseline's summaries), then copies that store twice and times,
each in a fresh process, `backfill()` over the range:

* before: the cache turned off (`runner.stored.disabled()`): every bucket reads and
  merges as a fresh `telltale run` process would; or, with `--before-python PY`, the
  backfill of whatever telltale PY imports (e.g. a checkout of main before this change);
* after: the shipped path (cache on).

Both arms' results (status and value of every monitor, column and segment, every bucket)
are compared: statuses identical, values within 1e-12 relative (1e-9 against another
telltale, whose merge order may differ).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from incremental import START, ensure_data, project_yaml  # noqa: E402
from pycache import precompile  # noqa: E402

ARM = """\
import json, sys, time
from datetime import datetime
from telltale.config import load_project
from telltale.runner.backfill import backfill
root, start, end, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
project = load_project(root, env={})
t0, c0 = time.perf_counter(), time.process_time()
if mode == "before-cache-off":
    from telltale.runner import stored
    with stored.disabled():
        reports = backfill(project, datetime.fromisoformat(start), datetime.fromisoformat(end))
else:
    reports = backfill(project, datetime.fromisoformat(start), datetime.fromisoformat(end))
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"wall": wall, "cpu": cpu, "reports": [r.as_json() for r in reports]}))
"""


def scenario_yaml(db: Path, granularity: str) -> str:
    """incremental.py's project at `granularity` with a 28-day baseline."""
    return project_yaml(db).replace("granularity: day", f"granularity: {granularity}").replace(
        "last: 89d", "last: 28d")


def arm(python: str, root: Path, start: str, end: str, mode: str) -> dict:
    """One timed backfill in a fresh process."""
    res = subprocess.run([python, "-c", ARM, str(root), start, end, mode], capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"backfill ({mode}) failed ({res.returncode}): {res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def compare(a: list[dict], b: list[dict], tol: float) -> tuple[int, float, list[str]]:
    """(results compared, max relative difference of values, mismatches) over every bucket."""
    def key(r: dict) -> tuple:
        return (r["monitor"], r["column"] or "", json.dumps(r["segment"], sort_keys=True), r["metric"])
    bad: list[str] = []
    worst, n = 0.0, 0
    if [r["at"] for r in a] != [r["at"] for r in b]:
        return 0, 0.0, ["different buckets"]
    for ra, rb in zip(a, b):
        xa, xb = {key(r): r for r in ra["results"]}, {key(r): r for r in rb["results"]}
        if xa.keys() != xb.keys():
            bad.append(f"{ra['at']}: different results {sorted(set(xa) ^ set(xb))}")
        for k in xa.keys() & xb.keys():
            x, y = xa[k], xb[k]
            n += 1
            if x["status"] != y["status"]:
                bad.append(f"{ra['at']} {k}: status {x['status']} vs {y['status']}")
            if (x["value"] is None) != (y["value"] is None):
                bad.append(f"{ra['at']} {k}: value {x['value']} vs {y['value']}")
            elif x["value"] is not None:
                rel = abs(x["value"] - y["value"]) / max(abs(x["value"]), abs(y["value"]), 1e-300)
                worst = max(worst, rel)
                if rel > tol:
                    bad.append(f"{ra['at']} {k}: value {x['value']!r} vs {y['value']!r}")
    return n, worst, bad


def scenario(db: Path, work: Path, name: str, granularity: str, first, last, before: str | None) -> dict:
    """Warm a store at `first`, then time the backfill of [first, last] before and after."""
    step = timedelta(hours=1) if granularity == "hour" else timedelta(days=1)
    base = work / f"{name}0"
    base.mkdir(parents=True)
    (base / "telltale.yml").write_text(scenario_yaml(db, granularity))
    print(f"{name}: warm-up run at {first:%Y-%m-%d %H:%M} ...", file=sys.stderr, flush=True)
    warm = subprocess.run([str(Path(sys.executable).with_name("telltale")), "run", "--project", str(base),
                           "--at", f"{first:%Y-%m-%dT%H:%M:%SZ}", "--json"], capture_output=True, text=True)
    if warm.returncode not in (0, 1):
        raise SystemExit(f"warm-up failed: {warm.stderr[-2000:]}")
    start, end = (first - step).isoformat(), (last - step).isoformat()   # runs at first .. last
    out = {}
    for label, python, mode in (("before", before or sys.executable, "before" if before else "before-cache-off"),
                                ("after", sys.executable, "after")):
        root = work / f"{name}_{label}"
        shutil.copytree(base, root)
        r = arm(python, root, start, end, mode)
        out[label] = r
        print(f"  {label}: {r['wall']:.1f} s ({r['cpu']:.1f} CPU s), {len(r['reports'])} buckets, "
              f"{r['wall'] / len(r['reports']):.3f} s per bucket", file=sys.stderr, flush=True)
    tol = 1e-9 if before else 1e-12
    n, worst, bad = compare(out["before"]["reports"], out["after"]["reports"], tol)
    wh = {k: sum(q["seconds"] for rep in v["reports"] for q in rep["queries"]) for k, v in out.items()}
    return {"name": name, "buckets": len(out["after"]["reports"]), "before": out["before"], "after": out["after"],
            "warehouse": wh, "n": n, "worst": worst, "bad": bad, "tol": tol}


def main() -> None:
    """Measure and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=float, default=1e6)
    ap.add_argument("--hours", type=int, default=24, help="hourly buckets to backfill (default 24)")
    ap.add_argument("--days", type=int, default=30, help="daily buckets to backfill (default 30)")
    ap.add_argument("--before-python", help="interpreter whose telltale is the 'before' arm "
                    "(default: this telltale with the cache turned off)")
    args = ap.parse_args()
    precompile()
    db = ensure_data(int(args.rows))
    work = Path(tempfile.mkdtemp(prefix="backfill-"))
    day60 = START + timedelta(days=60)
    try:
        runs = [scenario(db, work, "hourly", "hour", day60 + timedelta(hours=1), day60 + timedelta(hours=args.hours),
                         args.before_python),
                scenario(db, work, "daily", "day", day60 + timedelta(days=1), day60 + timedelta(days=args.days),
                         args.before_python)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()
    print(f"\n{int(args.rows):,} rows, {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; before = "
          f"{args.before_python or 'this telltale, cache off'}")
    print("| backfill | buckets | before s (per bucket) | after s (per bucket) | after / before | "
          "warehouse s before / after | results compared, max rel. diff |")
    print("|---|---|---|---|---|---|---|")
    for r in runs:
        b, a = r["before"]["wall"], r["after"]["wall"]
        print(f"| {r['name']} | {r['buckets']} | {b:.1f} ({b / r['buckets']:.3f}) | {a:.1f} ({a / r['buckets']:.3f}) "
              f"| 1/{b / a:.1f} | {r['warehouse']['before']:.1f} / {r['warehouse']['after']:.1f} "
              f"| {r['n']} equal, {r['worst']:.1e}{'' if not r['bad'] else ' MISMATCH'} |")
    for r in runs:
        for line in r["bad"][:10]:
            print(f"  {r['name']}: {line}")
    if any(r["bad"] for r in runs):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
