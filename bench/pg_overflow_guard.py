"""What the histogram bin's overflow guard costs on PostgreSQL (docs: `Dialect.float_overflow`).

Where a DOUBLE overflow raises (PostgreSQL, Redshift, BigQuery...), each row's bin is
`CASE WHEN x < lo - span THEN -1 WHEN x > hi + span THEN bins ELSE FLOOR((x - lo) * scale) END`,
so one far outlier (1.8e308) cannot fail the model's whole scan; DuckDB, whose overflow gives
±inf, gets the bare FLOOR. This times the churn project's distribution statement on the
tests' PostgreSQL peer both ways, round-robin, and checks both return the same rows (the
data has no outlier, so the bare form cannot raise here).

    python bench/pg_overflow_guard.py --rows 2e6 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests"), str(ROOT / "tests" / "e2e")]

from pg_one_pass import load, plan  # noqa: E402
from peers import postgres as pg_peer  # noqa: E402


def statements() -> dict[str, str]:
    """The distribution statement with the guard (PostgreSQL's own dialect) and without it."""
    import telltale.connectors.postgres as pg_module

    guarded = plan()["distribution"]
    original = pg_module.DIALECT
    try:
        pg_module.DIALECT = replace(original, float_overflow="infinity")  # type: ignore[misc]
        bare = plan()["distribution"]
    finally:
        pg_module.DIALECT = original  # type: ignore[misc]
    assert guarded != bare, "the dialect flag changed nothing"
    return {"guarded (as sent)": guarded, "bare FLOOR": bare}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=float, default=2e6)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import psycopg

    texts = statements()
    server = pg_peer.server()
    try:
        conninfo = server.conninfo()
        load(conninfo, int(args.rows))
        times: dict[str, list[float]] = {k: [] for k in texts}
        rows: dict[str, list] = {}
        with psycopg.connect(conninfo, autocommit=True) as con:
            con.execute("SET TIME ZONE 'UTC'")
            for _ in range(args.repeat):
                for name, sql in texts.items():
                    start = time.perf_counter()
                    rows[name] = con.execute(sql).fetchall()
                    times[name].append(time.perf_counter() - start)
        a, b = (sorted(map(repr, r)) for r in rows.values())
        assert a == b, "the two statements give different rows"
        base = statistics.median(times["bare FLOOR"])
        print(f"rows={int(args.rows):,} repeat={args.repeat} (medians, seconds; same rows from both)")
        for name, v in times.items():
            print(f"  {name:18s} {statistics.median(v):.3f}  x{statistics.median(v) / base:.2f}  "
                  f"({', '.join(f'{x:.3f}' for x in v)})")
    finally:
        pg_peer.stop()


if __name__ == "__main__":
    main()
