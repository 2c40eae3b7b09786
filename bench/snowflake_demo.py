"""Measurement: what the demo project's run costs on Snowflake's emulator (fakesnow), vs DuckDB.

The demo's data (`telltale demo`: 60 days x 3,000 predictions, labels in another table) is
loaded into a fakesnow server (tests/peers/snowflake.py: its own venv, DuckDB inside) as
PREDICTIONS and LABELS; the demo's telltale.yml runs on it with a `type: snowflake`
connection, cold (the run of the data's second-to-last day on a fresh state store) and then
warm (the next day's run on that store: only the new day is scanned), and
the same on the demo's DuckDB file. Printed: wall seconds of each run, the sum of
`queries[].seconds`, the number of queries, bytes scanned (None: fakesnow reports none), and
whether the statuses equal DuckDB's. These are emulator seconds (DuckDB behind an HTTP
server on this machine), not Snowflake credits.

    python bench/snowflake_demo.py
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from peers import snowflake as sf_peer  # noqa: E402
from telltale.config import load_project  # noqa: E402
from telltale.demo.data import demo_end, generate  # noqa: E402
from telltale.demo.project import write_project  # noqa: E402
from telltale.runner.run import run_project  # noqa: E402

_SF_TYPES = {pa.int64(): "BIGINT", pa.float64(): "DOUBLE", pa.bool_(): "BOOLEAN", pa.string(): "VARCHAR",
             pa.timestamp("us"): "TIMESTAMP_NTZ"}


def _load(conn, name: str, table: pa.Table) -> None:
    cur = conn.cursor()
    cols = ", ".join(f"{f.name} {_SF_TYPES[f.type]}" for f in table.schema)
    cur.execute(f"CREATE TABLE {name} ({cols})")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.parquet"
        pq.write_table(table, path)
        cur.execute(f"PUT 'file://{path}' @%{name}")
        cur.execute(f"COPY INTO {name} FROM @%{name} FILE_FORMAT = (TYPE = PARQUET) "
                    "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE")


def _run(root: Path, at) -> tuple[float, dict]:
    start = time.perf_counter()
    report = run_project(load_project(root), at=at, alerts=False)
    wall = time.perf_counter() - start
    return wall, report.as_json()


def _line(label: str, wall: float, js: dict) -> str:
    qs = js["queries"]
    return (f"{label:<22} wall {wall:6.2f} s  warehouse {sum(q['seconds'] for q in qs):6.2f} s  "
            f"{len(qs):3d} queries  bytes_scanned {[q.get('bytes_scanned') for q in qs][:1]}")


def main() -> None:
    end = demo_end()
    preds, labels = generate(end)
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        server = sf_peer.server()
        stack.callback(sf_peer.stop)
        with contextlib.closing(server.connect("DEMO", "PUBLIC")) as conn:
            _load(conn, "predictions", preds)
            _load(conn, "labels", labels)
        kw = server.connection_kwargs()
        roots = {}
        for kind in ("duckdb", "snowflake"):
            root = Path(folder) / kind
            write_project(root, end)
            if kind == "snowflake":
                doc = yaml.safe_load((root / "telltale.yml").read_text())
                doc["connections"]["wh"] = {"type": "snowflake", "account": kw["account"], "user": kw["user"],
                                            "password": kw["password"], "database": "DEMO", "schema": "PUBLIC",
                                            "endpoint": f"http://{kw['host']}:{kw['port']}"}
                (root / "telltale.yml").write_text(yaml.safe_dump(doc, sort_keys=False))
            roots[kind] = root
        warmup = Path(folder) / "warmup"          # imports and first-use costs, not measured
        write_project(warmup, end)
        _run(warmup, end)
        results = {}
        for kind, root in roots.items():
            for label, at in (("cold", end - timedelta(days=1)), ("warm (next day)", end)):
                wall, js = _run(root, at)
                results[(kind, label)] = js
                print(_line(f"{kind} {label}", wall, js))
        for label in ("cold", "warm (next day)"):
            a = {(r["monitor"], str(r.get("column")), str(r.get("segment"))): r["status"]
                 for r in results[("duckdb", label)]["results"]}
            b = {(r["monitor"], str(r.get("column")), str(r.get("segment"))): r["status"]
                 for r in results[("snowflake", label)]["results"]}
            diff = sorted(k for k in a if a[k] != b.get(k))
            print(f"{label}: {len(a)} results, statuses equal to DuckDB's: {not diff} {diff[:5]}")


if __name__ == "__main__":
    main()
