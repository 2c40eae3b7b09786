"""Athena on moto, answered by DuckDB: what moto's canned results cannot do by themselves.

moto runs Athena's API (start, poll, fetch, statistics) but executes no SQL: each query gets
the next canned result. `answering_from_duckdb(con)` patches moto's in-process Athena backend
(moto runs as a thread of the test process) so that every StartQueryExecution first runs the
query text on the DuckDB connection `con`, after transpiling it from sqlglot's athena dialect
to DuckDB's, and queues that result, typed and written as text the way Athena's
GetQueryResults returns it (`NaN`, `Infinity`, `2024-03-01 00:00:00.000`, NULL as no value).

What this proves: the connector's API flow and result decoding, and that the Athena-dialect
SQL telltale sends means, once transpiled back, the same as DuckDB's own plan. What it does
not prove: how Trino itself evaluates that SQL (approx_percentile's accuracy, decimal
arithmetic, implicit casts, timestamp-with-zone comparisons): the athena SQL is checked by
parsing it with sqlglot's trino dialect in tests/unit/connectors/test_athena.py instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import threading
from decimal import Decimal
from typing import Any, Iterator

import pyarrow as pa


def athena_type(t: pa.DataType) -> tuple[str, int, int]:
    """(Athena type name, precision, scale) of an Arrow type, as GetQueryResults' ColumnInfo gives them."""
    if pa.types.is_boolean(t):
        return "boolean", 0, 0
    if pa.types.is_integer(t):
        return ("integer" if t.bit_width <= 32 else "bigint"), 0, 0
    if pa.types.is_floating(t):
        return "double", 17, 0
    if pa.types.is_decimal(t):
        return "decimal", t.precision, t.scale
    if pa.types.is_date(t):
        return "date", 0, 0
    if pa.types.is_timestamp(t):
        return ("timestamp with time zone" if t.tz else "timestamp"), 3, 0
    return "varchar", 0, 0


def athena_text(value: Any) -> str | None:
    """One value as Athena writes it in GetQueryResults (None stays None: a NULL)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, dt.datetime):
        text = value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return text + (" UTC" if value.tzinfo else "")
    if isinstance(value, (dt.date, Decimal, int)):
        return str(value)
    return str(value)


def canned(table: pa.Table) -> Any:
    """A DuckDB result as moto's QueryResults (a header row first, as Athena returns a SELECT)."""
    from moto.athena.models import QueryResults

    info = []
    for field in table.schema:
        name, precision, scale = athena_type(field.type)
        info.append({"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": field.name,
                     "Label": field.name, "Type": name, "Precision": precision, "Scale": scale,
                     "Nullable": "UNKNOWN", "CaseSensitive": False})

    def row(values: list[Any]) -> dict[str, Any]:
        return {"Data": [{} if v is None else {"VarCharValue": v} for v in values]}

    rows = [row(table.column_names)]
    rows += [row([athena_text(v) for v in r.values()]) for r in table.to_pylist()]
    return QueryResults(rows=rows, column_info=info)


@contextlib.contextmanager
def answering_from_duckdb(con: Any) -> Iterator[list[str]]:
    """While open, every Athena query on the in-process moto runs on DuckDB `con` first.

    Yields the list of query texts received (Athena's SQL, as the connector sent it).
    """
    import sqlglot
    from moto.athena import models

    original = models.AthenaBackend.start_query_execution
    received: list[str] = []
    lock = threading.Lock()

    def start(self: Any, query: str, *args: Any, **kwargs: Any) -> str:
        with lock:
            received.append(query)
            sql = sqlglot.transpile(query, read="athena", write="duckdb")[0]
            self.query_results_queue.insert(0, canned(con.sql(sql).to_arrow_table()))
        return original(self, query, *args, **kwargs)

    models.AthenaBackend.start_query_execution = start  # type: ignore[method-assign]
    try:
        yield received
    finally:
        models.AthenaBackend.start_query_execution = original  # type: ignore[method-assign]
