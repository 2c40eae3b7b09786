"""What a `telltale run` of the demo project costs on PostgreSQL (docs/connectors.md).

Starts the tests' PostgreSQL peer, loads the demo's `predictions` and `labels` (60 days x
3,000 rows), writes the demo project with its connection pointed at PostgreSQL (`--type
redshift` runs the Redshift connector through `driver: psycopg` on the same server), and
runs it twice (cold: histogram edges computed; warm: summaries stored) next to the same
project on DuckDB. Prints per run: wall seconds, the queries' seconds and their count.

Usage: python bench/pg_demo_cost.py [--type postgres|redshift]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]

from peers import postgres as pg_peer  # noqa: E402

_PG_TYPES = [(pa.types.is_boolean, "BOOLEAN"), (pa.types.is_integer, "BIGINT"),
             (pa.types.is_floating, "DOUBLE PRECISION"), (pa.types.is_timestamp, "TIMESTAMP"),
             (pa.types.is_date, "DATE"), (pa.types.is_string, "TEXT"), (pa.types.is_large_string, "TEXT")]


def _pg_type(t: pa.DataType) -> str:
    return next(name for test, name in _PG_TYPES if test(t))


def load(conninfo: str, name: str, table: pa.Table) -> None:
    import psycopg

    cols = ", ".join(f'"{f.name}" {_pg_type(f.type)}' for f in table.schema)
    with psycopg.connect(conninfo) as con:
        con.execute(f'CREATE TABLE "{name}" ({cols})')
        names = ", ".join(f'"{f.name}"' for f in table.schema)
        with con.cursor().copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:
            for row in zip(*(c.to_pylist() for c in table.columns)):
                copy.write_row(row)


def run(project: Path, at: str) -> tuple[float, float, int]:
    from typer.testing import CliRunner

    from telltale.cli.main import app

    start = time.perf_counter()
    res = CliRunner().invoke(app, ["run", "--project", str(project), "--at", at, "--json"])
    wall = time.perf_counter() - start
    out = json.loads(res.stdout)
    assert all(r["error"] is None for r in out["results"]), res.output
    return wall, sum(q["seconds"] for q in out["queries"]), len(out["queries"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--type", choices=("postgres", "redshift"), default="postgres")
    args = ap.parse_args()
    from telltale.demo.data import demo_end, generate
    from telltale.demo.project import write_project

    end = demo_end()
    at = end.strftime("%Y-%m-%dT%H:%M:%SZ")
    server = pg_peer.server()
    try:
        preds, labels = generate(end)
        load(server.conninfo(), "predictions", preds)
        load(server.conninfo(), "labels", labels)
        with TemporaryDirectory() as d:
            duck = Path(d) / "duck"
            write_project(duck, end)
            pg = Path(d) / "pg"
            shutil.copytree(duck, pg)
            (pg / "warehouse.duckdb").unlink()
            extra = ", driver: psycopg" if args.type == "redshift" else ""
            cfg = (pg / "telltale.yml").read_text().replace(
                "wh: {type: duckdb, database: warehouse.duckdb}",
                f"wh: {{type: {args.type}, host: {server.host}, port: {server.port}, database: postgres, "
                f"user: postgres{extra}}}")
            (pg / "telltale.yml").write_text(cfg)
            print(f"demo: {preds.num_rows:,} predictions, {labels.num_rows:,} labels")
            for label, project in (("duckdb", duck), (args.type, pg)):
                for which in ("cold", "warm"):
                    wall, qs, n = run(project, at)
                    print(f"  {label:9s} {which}: {wall:.2f} s wall, {qs:.2f} s in {n} queries")
    finally:
        pg_peer.stop()


if __name__ == "__main__":
    main()
