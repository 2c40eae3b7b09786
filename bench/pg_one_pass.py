"""Issue 7 item 3 on PostgreSQL: is one GROUPING SETS statement carrying the scalar partials
cheaper than the scalar scan + the distribution scan that telltale sends today?

Starts the tests' PostgreSQL peer (tests/peers/postgres.py), loads the churn project's shape
(ts, tenure, spend, plan) at `--rows` rows over 30 days (values in [0, 1), so the
placeholder 256-bin grid [0, 1) of `telltale compile` is a realistic one), compiles the churn project's plan in
the postgres dialect, and times, round-robin (`--repeat` times, medians):

* two:   the scalar scan, then the distribution scan (what telltale runs);
* fused: the distribution scan with a `(__bucket)` grouping set added and every scalar
  partial computed in it (the rows of the other sets carry them too and are dropped);
* union: DuckDB's shape, one UNION ALL statement (one GROUP BY per key, the scalar
  partials riding in the (bucket) branch), as `Dialect(scan="union_all")` plans it.

Both give the same numbers (checked). Usage: python bench/pg_one_pass.py --rows 2e6 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from tempfile import TemporaryDirectory

import sqlglot
from sqlglot import exp

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "e2e")]

from churn_project import CONFIG, METRICS  # noqa: E402
from peers import postgres as pg_peer  # noqa: E402

AT = datetime(2026, 3, 13, tzinfo=timezone.utc)


def plan(scan: str = "grouping_sets") -> dict[str, str]:
    """The churn project's statements by kind, postgres dialect with the given scan shape."""
    from dataclasses import replace

    import telltale.connectors.postgres as pg_module
    from telltale.config import load_project
    from telltale.runner.compile import compile_project

    pg_module.DIALECT = replace(pg_module.DIALECT, scan=scan)  # type: ignore[misc]

    with TemporaryDirectory() as d:
        root = Path(d)
        (root / "metrics").mkdir()
        (root / "telltale.yml").write_text(CONFIG.replace("{table: events}", "{table: events}"))
        (root / "metrics" / "churn.metric").write_text(METRICS)
        ((_, queries),) = list(compile_project(load_project(root), model=None, dialect="postgres", at=AT))
    return {k.split()[0]: s for k, s in queries}


def fuse(scalar_sql: str, dist_sql: str) -> str:
    """The distribution statement with the scalar partials riding in a (__bucket) set."""
    scalar = sqlglot.parse_one(scalar_sql, read="postgres")
    dist = sqlglot.parse_one(dist_sql, read="postgres")
    aggs = [e for e in scalar.expressions if e.alias.startswith("p")]
    needed = sorted({c.name for a in aggs for c in a.find_all(exp.Column)})
    gs = dist.args["from_"].this.this            # SELECT ... GROUP BY GROUPING SETS
    inner = gs.args["from_"].this.this           # the per-row keys
    inner.select(*[exp.column(n, quoted=True) for n in needed], copy=False)
    gs.select(*[a.copy() for a in aggs], copy=False)
    sets = gs.args["group"].find(exp.GroupingSets)
    sets.append("expressions", exp.Paren(this=exp.column("__bucket")))
    dist.select(*[exp.Max(this=exp.column(a.alias)).as_(a.alias) for a in aggs], copy=False)
    return dist.sql(dialect="postgres")


def load(conninfo: str, rows: int) -> None:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as con:
        con.execute("DROP TABLE IF EXISTS events")
        con.execute(
            "CREATE TABLE events AS SELECT TIMESTAMP '2026-02-11' + (i * INTERVAL '30 days' / %s) AS ts, "
            "CASE WHEN random() < 0.05 THEN NULL ELSE random() END AS tenure, random() AS spend, "
            "(ARRAY['basic', 'plus', 'pro'])[1 + (i %% 3)] AS plan FROM generate_series(0, %s - 1) AS i",
            [rows, rows])
        con.execute("VACUUM ANALYZE events")


def timed(con, sql: str) -> tuple[float, list]:
    start = time.perf_counter()
    rows = con.execute(sql).fetchall()
    return time.perf_counter() - start, rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=float, default=2e6)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import psycopg

    server = pg_peer.server()
    try:
        conninfo = server.conninfo()
        load(conninfo, int(args.rows))
        gs = plan()
        scalar_sql, dist_sql = gs["scalar"], gs["distribution"]
        fused_sql = fuse(scalar_sql, dist_sql)
        union_sql = plan("union_all")["fused"]
        times: dict[str, list[float]] = {"two": [], "fused": [], "union": [], "scalar": [], "distribution": []}
        union_error = ""
        with psycopg.connect(conninfo, autocommit=True) as con:
            con.execute("SET TIME ZONE 'UTC'")
            for _ in range(args.repeat):
                t1, srows = timed(con, scalar_sql)
                t2, drows = timed(con, dist_sql)
                times["two"].append(t1 + t2)
                times["scalar"].append(t1)
                times["distribution"].append(t2)
                t3, frows = timed(con, fused_sql)
                times["fused"].append(t3)
                try:
                    times["union"].append(timed(con, union_sql)[0])
                except psycopg.Error as exc:   # untyped NULL key columns: text in the first branch
                    union_error = " ".join(str(exc).split())
            # same numbers: the fused statement's total rows carry the scalar partials
            n_scalar = len(srows[0]) - 1
            fused_totals = {r[1]: r[-n_scalar:] for r in frows if r[0] == -1}
            for r in srows:
                got, want = fused_totals[r[0]], r[1:]
                assert all((a == b) or abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))
                           for a, b in zip(got, want)), (r[0], got, want)
            assert sorted((tuple(r[:-n_scalar]) for r in frows if r[0] != -1), key=repr) == \
                sorted((tuple(r) for r in drows if r[0] != -1), key=repr)
            plan_lines = [r[0] for r in con.execute("EXPLAIN " + fused_sql).fetchall()]
        print(f"rows={int(args.rows):,} repeat={args.repeat} (medians, seconds)")
        if union_error:
            print(f"  union        fails on PostgreSQL: {union_error}")
        for k, v in ((k, v) for k, v in times.items() if v):
            print(f"  {k:12s} {statistics.median(v):.3f}  ({', '.join(f'{x:.3f}' for x in v)})")
        print("fused plan:", *[ln for ln in plan_lines if "Aggregate" in ln or "Scan" in ln], sep="\n  ")
    finally:
        pg_peer.stop()


if __name__ == "__main__":
    main()
