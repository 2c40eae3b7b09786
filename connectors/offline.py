"""A connector that only renders SQL for a dialect (for `telltale compile`); it never connects."""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from telltale.connectors.base import SourceSpec
from telltale.connectors.dialect import Dialect
from telltale.connectors.relations import sql_relation, table_relation
from telltale.connectors.safety import FileRead
from telltale.errors import ConnectorError


class OfflineConnector:
    """Builds relations for a dialect; executing is refused."""

    name = "offline"

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._reads: set[FileRead] = set()

    @property
    def file_reads(self) -> frozenset[FileRead]:
        """The (reader, path) calls built for `source: {path: ...}` (the guard lets these through)."""
        return frozenset(self._reads)

    def relation(self, source: SourceSpec) -> exp.Expression:
        """Tables and SELECTs as written; file paths as a DuckDB-style reader call."""
        if source.table:
            return table_relation(source.table, self.dialect.name)
        if source.sql:
            return sql_relation(source.sql, self.dialect.name)
        reader = {"csv": "read_csv_auto", "jsonl": "read_json_auto"}.get(source.format or "", "read_parquet")
        self._reads.add((reader, source.path or ""))
        return exp.Table(this=exp.Anonymous(this=reader, expressions=[exp.Literal.string(source.path or "")]))

    def describe(self, source: SourceSpec) -> dict[str, str]:
        """Not available offline."""
        raise ConnectorError("an offline connector cannot describe sources")

    def execute(self, query: exp.Expression) -> Any:
        """Not available offline."""
        raise ConnectorError("an offline connector cannot run queries")

    def close(self) -> None:
        """Nothing to close."""
