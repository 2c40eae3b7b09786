"""DuckDB, the embedded default warehouse: a database file, tables, SELECTs and Parquet/CSV files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from telltale.connectors.base import Capabilities, QueryStats, SourceSpec
from telltale.connectors.relations import aliased, sql_relation, table_relation
from telltale.connectors.safety import ensure_select
from telltale.connectors.types import kind_of_arrow_type
from telltale.errors import ConnectorError, SchemaError

CAPABILITIES = Capabilities(grouping_sets=True, grouping_function=True, tablesample=True,
                            approx_quantile=True, count_if=True)

_FILE_READERS = {"parquet": "read_parquet", "csv": "read_csv_auto", "jsonl": "read_json_auto",
                 "json": "read_json_auto"}


class DuckDBConnector:
    """A read-only connection to a DuckDB database file (or an in-memory database)."""

    name = "duckdb"
    dialect = "duckdb"
    capabilities = CAPABILITIES

    def __init__(self, database: str = ":memory:", *, base_dir: Path | None = None,
                 options: dict[str, Any] | None = None, connection: Any = None,
                 timeout: float | None = None, **_: Any) -> None:
        import duckdb

        self.base_dir = base_dir or Path.cwd()
        if connection is not None:
            self._con = connection
            return
        path = database
        if database != ":memory:" and not Path(database).is_absolute():
            path = str(self.base_dir / database)
        if path != ":memory:" and not Path(path).exists():
            raise ConnectorError(
                f"DuckDB database file {path} does not exist; check `database:` in the connection "
                "(relative paths are relative to the project folder)")
        read_only = path != ":memory:"
        try:
            self._con = duckdb.connect(path, read_only=read_only, config=dict(options or {}))
        except duckdb.Error as exc:
            raise ConnectorError(f"cannot open DuckDB database {path}: {exc}") from exc

    def relation(self, source: SourceSpec) -> exp.Expression:
        """A FROM-able expression for a table, a SELECT, or Parquet/CSV/JSON files."""
        if source.table:
            return table_relation(source.table, self.dialect)
        if source.sql:
            return sql_relation(source.sql, self.dialect)
        if source.path:
            fmt = (source.format or "parquet").lower()
            if fmt not in _FILE_READERS:
                raise SchemaError(f"unknown file format '{fmt}'; use one of {sorted(_FILE_READERS)}")
            path = source.path
            if "://" not in path and not Path(path).is_absolute():
                path = str(self.base_dir / path)
            if Path(path).is_dir():
                path = str(Path(path) / ("**/*." + ("json" if fmt == "jsonl" else fmt)))
            args: list[exp.Expression] = [exp.Literal.string(path)]
            if source.partitioning == "hive":
                args.append(exp.EQ(this=exp.column("hive_partitioning"), expression=exp.true()))
            return exp.Table(this=exp.Anonymous(this=_FILE_READERS[fmt], expressions=args))
        raise SchemaError("a source needs one of `table`, `sql` or `path`")

    def describe(self, source: SourceSpec) -> dict[str, str]:
        """Column name -> kind, read from a zero-row SELECT (no data leaves)."""
        query = exp.select("*").from_(aliased(self.relation(source), "s")).limit(0)
        table, _ = self.execute(query)
        return {f.name: kind_of_arrow_type(f.type) for f in table.schema}

    def execute(self, query: exp.Expression) -> tuple[pa.Table, QueryStats]:
        """Run one checked SELECT and return its result as Arrow."""
        ensure_select(query)
        sql = query.sql(dialect=self.dialect)
        start = time.perf_counter()
        try:
            table = self._con.sql(sql).to_arrow_table()
        except Exception as exc:  # duckdb raises many error types
            raise ConnectorError(f"DuckDB query failed: {exc}") from exc
        seconds = time.perf_counter() - start
        return table, QueryStats(sql=sql, seconds=seconds, rows=table.num_rows)

    def close(self) -> None:
        """Close the connection."""
        self._con.close()


def parse_select(sql: str) -> exp.Expression:
    """Parse a user's SELECT in DuckDB's dialect (used by tests and the demo)."""
    return ensure_select(sqlglot.parse_one(sql, read="duckdb"))
