"""The daily run's one-day DuckDB statement in other shapes, side by side (bench/BENCHMARKS.md,
"Incremental"): what each costs on one day (the steady-state daily run) and on all 90 days
(a full recompute), on the 90-day data of incremental.py.

    python bench/daily_shapes.py                 # 10M rows, 15 rounds for a day, 5 for 90 days
    python bench/daily_shapes.py --rows 1e6 --rounds 5

The current statement is the one `telltale compile` prints for the daily run (a store warmed
up by incremental.py's warm-up run); the candidates are rewrites of its text, checked to give
the same rows. One DuckDB connection, each statement run once before the rounds (the day's
blocks cached), then in each round every shape once; medians of the wall seconds.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
import incremental  # noqa: E402

DAY_START, FULL_START = "'2025-03-31 00:00:00'", "'2025-01-01 00:00:00'"
FINITE = "ABS(CAST(\"{c}\" AS DOUBLE)) <= 1.7976931348623157e+308"


def current_statement(rows: int) -> tuple[Path, str]:
    """The warehouse file and the daily run's statement, as `telltale compile` prints it."""
    from telltale.config import load_project
    from telltale.runner.compile import compile_project

    db = incremental.ensure_data(rows)
    work = Path(tempfile.mkdtemp(prefix="daily-shapes-"))
    try:
        daily, _ = incremental.prepare(db, work)
        plan = compile_project(load_project(daily), model=None, dialect=None, at=incremental.DAILY_AT, pretty=False)
        (sql,) = [q for _, statements in plan for _, q in statements if "UNION ALL" in q]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return db, re.sub(r"\s+", " ", sql.rstrip().rstrip(";"))


def one_level(sql: str, clamp: str) -> str:
    """Each histogram branch as one GROUP BY on the clamped bin (LEAST/GREATEST or CASE per row)."""
    inner = re.fullmatch(r"SELECT \* FROM \(\s*(.*?)\s*\) AS \"?u\"?", sql).group(1)
    total, *branches = inner.split(" UNION ALL ")
    window = re.search(r'WHERE ("ts" >= .*? AND "ts" < CAST\(\'[^\']+\' AS TIMESTAMP\))', total).group(1)
    out = [total]
    for i, b in enumerate(branches):
        col, lo, scale = re.search(r'FLOOR\(\(\s*CAST\("(\w+)" AS DOUBLE\) - ([^\s)]+)\s*\) \* ([^\s)]+)\) AS __kh', b).groups()
        bins = re.search(r"WHEN __kh > (\d+) THEN", b).group(1)
        raw = f'FLOOR((CAST("{col}" AS DOUBLE) - {lo}) * {scale})'
        key = (f"LEAST(GREATEST({raw}, -1), {bins})" if clamp == "least" else
               f"CASE WHEN {raw} < -1 THEN -1 WHEN {raw} > {bins} THEN {bins} ELSE {raw} END")
        pads = ", ".join(re.findall(r"NULL AS __p\d+", b))
        out.append(f'SELECT {i} AS __set, CAST("ts" AS DATE) AS __bucket, {key} AS __kh, COUNT(*) AS __n, {pads} '
                   f'FROM (SELECT "{col}", "ts" FROM "predictions" AS "p" WHERE {window}) AS m '
                   f'WHERE {FINITE.format(c=col)} GROUP BY 2, 3')
    return "SELECT * FROM (" + " UNION ALL ".join(out) + ") AS u"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default="1e7")
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    db, now = current_statement(int(float(args.rows)))
    shapes = {"current (two GROUP BYs per histogram branch)": now,
              "one GROUP BY, bin clamped with LEAST/GREATEST": one_level(now, "least"),
              "one GROUP BY, bin clamped with CASE": one_level(now, "case")}
    con = duckdb.connect(str(db), read_only=True)
    key = lambda r: tuple(str(x) for x in r[:4])  # noqa: E731 - set, bucket, bin, count
    for span, start, rounds in (("one day", DAY_START, args.rounds), ("90 days", FULL_START, max(3, args.rounds // 3))):
        texts = {name: sql.replace(DAY_START, start) for name, sql in shapes.items()}
        want = sorted(map(key, con.execute(texts[next(iter(texts))]).fetchall()))
        for name, sql in texts.items():
            assert sorted(map(key, con.execute(sql).fetchall())) == want, f"{name} differs"
        seconds: dict[str, list[float]] = {name: [] for name in texts}
        for _ in range(rounds):
            for name, sql in texts.items():
                t0 = time.perf_counter()
                con.sql(sql).to_arrow_table()
                seconds[name].append(time.perf_counter() - t0)
        for name, secs in seconds.items():
            print(f"{span:8s} {statistics.median(secs):7.4f} s  {name}")


if __name__ == "__main__":
    main()
