"""What a telltale run would bill on BigQuery (on-demand), for the demo project, per scan shape.

bqemulator reports 0 bytes processed for every query and dry run, so the bytes are modelled
from BigQuery's documented data sizes (INT64, FLOAT64, TIMESTAMP, DATETIME, DATE: 8 bytes;
BOOL: 1; STRING: 2 + UTF-8 length; NUMERIC: 16; NULL: 0) over the columns each statement
reads, computed exactly on the demo warehouse (the same rows a BigQuery copy would hold):

* the statements are those `telltale compile --dialect bigquery` prints at the demo's end: the
  first run (`--full`) and the daily run (a DuckDB run the day before filled the store, so
  only the new day and what may still change is scanned);
* per statement, every table reference's columns, and its time bounds on the model's time
  column (bare column vs string literals: the predicate prunes partitions);
* `unpartitioned`: a reference reads its columns over the whole table;
  `daily partitions`: `predictions` partitioned by DATE(predicted_at), a reference reads only
  the days its bounds select (labels: whole table, their filter keeps every old label);
* `per query`: a column of a table counted once per statement however often it is referenced;
  `per reference`: once per reference (the docs do not say which; see docs/connectors.md);
* `billed` (daily partitions): with on-demand's 10 MB minimum per table referenced and per
  query, the table minimum read once per table of a statement or once per reference.

    python bench/bigquery_bytes.py            # both shapes, first and daily run
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

MIN_BILLED = 10 * 1024 * 1024
TIME = {"predictions": "predicted_at", "labels": None}


def _size_sql(column: str, duck_type: str) -> str:
    if duck_type == "VARCHAR":
        return f"COALESCE(2 + strlen({column}), 0)"
    size = 1 if duck_type == "BOOLEAN" else 8
    return f"CASE WHEN {column} IS NULL THEN 0 ELSE {size} END"


def column_bytes(con: Any, table: str, columns: set[str], lo: str | None, hi: str | None) -> int:
    """Bytes of `columns` of `table` (rows with lo <= time < hi when given) by BigQuery's sizes."""
    types = dict(con.execute(f"SELECT column_name, data_type FROM information_schema.columns "
                             f"WHERE table_name = '{table}'").fetchall())
    cols = sorted(c for c in columns if c in types)
    if not cols:
        return 0
    where = []
    if TIME.get(table) and lo:
        where.append(f"{TIME[table]} >= TIMESTAMP '{lo}'")
    if TIME.get(table) and hi:
        where.append(f"{TIME[table]} < TIMESTAMP '{hi}'")
    sql = (f"SELECT {' + '.join(f'SUM({_size_sql(c, types[c])})' for c in cols)} FROM {table}"
           + (f" WHERE {' AND '.join(where)}" if where else ""))
    return int(con.execute(sql).fetchall()[0][0] or 0)


def references(sql: str) -> list[tuple[str, set[str], str | None, str | None]]:
    """(table, columns read, lower, upper time bound) of every table reference of a statement."""
    out = []
    tree = sqlglot.parse_one(sql, read="bigquery")
    for table in tree.find_all(exp.Table):
        select = table.find_ancestor(exp.Select)
        if select is None:
            continue
        alias = table.alias_or_name
        cols = {c.name for c in select.find_all(exp.Column)
                if c.find_ancestor(exp.Select) is select and c.table in ("", alias)}
        lo = hi = None
        where = select.args.get("where")
        time = TIME.get(table.name)
        if where is not None and time:
            for cmp in where.find_all(exp.GTE, exp.LT):
                if isinstance(cmp.this, exp.Column) and cmp.this.name == time and isinstance(cmp.expression, exp.Literal):
                    if isinstance(cmp, exp.GTE):
                        lo = cmp.expression.name
                    else:
                        hi = cmp.expression.name
        out.append((table.name, cols, lo, hi))
    return out


def statement_bytes(con: Any, sql: str) -> dict[str, int]:
    """Modelled bytes of one statement under each assumption."""
    refs = references(sql)
    whole_ref = sum(column_bytes(con, t, c, None, None) for t, c, _, _ in refs)
    part_ref = sum(column_bytes(con, t, c, lo, hi) for t, c, lo, hi in refs)
    by_table: dict[str, tuple[set[str], str | None, str | None]] = {}
    for t, c, lo, hi in refs:     # per query: union of columns; the widest time range of the table
        cols, l0, h0 = by_table.get(t, (set(), lo, hi))
        lo2 = None if lo is None or l0 is None else min(lo, l0)
        hi2 = None if hi is None or h0 is None else max(hi, h0)
        by_table[t] = (cols | c, lo2, hi2)
    whole_q = sum(column_bytes(con, t, c, None, None) for t, (c, _, _) in by_table.items())
    part_q = sum(column_bytes(con, t, c, lo, hi) for t, (c, lo, hi) in by_table.items())
    min_ref = sum(max(column_bytes(con, t, c, lo, hi), MIN_BILLED) for t, c, lo, hi in refs)
    return {"billed, 10 MB min per reference": max(min_ref, MIN_BILLED),
            "billed, 10 MB min per table and query": max(MIN_BILLED, sum(
                max(column_bytes(con, t, c, lo, hi), MIN_BILLED) for t, (c, lo, hi) in by_table.items())),
            "refs": len(refs), "unpartitioned, per query": whole_q, "unpartitioned, per reference": whole_ref,
            "daily partitions, per query": part_q, "daily partitions, per reference": part_ref}


def plan(project: Any, at: datetime, full: bool) -> list[tuple[str, str]]:
    from telltale.runner.compile import compile_project

    return [q for _, qs in compile_project(project, model=None, dialect="bigquery", at=at, full=full,
                                           pretty=False) for q in qs]


def main() -> None:
    from telltale.config import load_project
    from telltale.connectors import bigquery as bq
    from telltale.demo.data import demo_end
    from telltale.demo.project import write_project
    from telltale.runner.run import run_project

    folder = Path(tempfile.mkdtemp(prefix="telltale-bq-bytes-")) / "demo"
    at = demo_end()
    write_project(folder, at)
    project = load_project(folder)
    run_project(project, at=at - timedelta(days=1))   # a DuckDB run the day before fills the store
    con = duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)
    rows = con.execute("SELECT COUNT(*) FROM predictions").fetchall()[0][0]
    print(f"demo: {rows} predictions, daily run at {at:%Y-%m-%d}\n")
    original = bq.DIALECT
    try:
        for shape in ("grouping_sets", "union_all"):
            bq.DIALECT = dataclasses.replace(original, scan=shape)
            for label, when, full in (("first run", at, True), ("daily run", at, False)):
                stmts = plan(project, when, full)
                totals: dict[str, int] = {}
                for _, sql in stmts:
                    for k, v in statement_bytes(con, sql).items():
                        totals[k] = totals.get(k, 0) + v
                print(f"{shape:14} {label:9}: {len(stmts)} statements, {totals['refs']} table references")
                for k in ("unpartitioned, per query", "unpartitioned, per reference",
                          "daily partitions, per query", "daily partitions, per reference",
                          "billed, 10 MB min per table and query", "billed, 10 MB min per reference"):
                    print(f"    {k:38} {totals[k] / 1e6:9.2f} MB")
    finally:
        bq.DIALECT = original
    return None


if __name__ == "__main__":
    sys.exit(main())
