"""The connector protocol: what telltale needs from a warehouse, and nothing more.

A connector holds its engine's `Dialect` (the SQL differences, as data), runs one
SELECT (a sqlglot tree, checked before it leaves) and returns a small Arrow table, and
describes the columns of a source. Backend differences live in the `Dialect` value, not
in subclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa
from sqlglot import exp

from telltale.connectors.dialect import Dialect

# The kinds a warehouse column type is reduced to.
COLUMN_KINDS = ("numeric", "boolean", "string", "timestamp", "date", "other")


@dataclass(frozen=True)
class ConnectorRef:
    """Where a connection type's connector lives: `module:Class`, its pip extra and the
    vendor module that extra brings (imported first, so a missing extra gets a clear error)."""

    module: str
    cls: str
    extra: str
    vendor: str | None = None


@dataclass(frozen=True)
class SourceSpec:
    """Where a model's rows live: a table, a SELECT, or files at a path."""

    table: str | None = None
    sql: str | None = None
    path: str | None = None
    format: str | None = None
    partitioning: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QueryStats:
    """What one pushed-down query cost."""

    sql: str
    seconds: float
    rows: int
    bytes_scanned: int | None = None


@runtime_checkable
class Connector(Protocol):
    """A warehouse connection. Implementations are small modules in `telltale.connectors`."""

    name: str
    dialect: Dialect

    def relation(self, source: SourceSpec) -> exp.Expression:
        """A FROM-able sqlglot expression (table or subquery) for a source."""

    def describe(self, source: SourceSpec) -> dict[str, str]:
        """Column name -> kind (one of COLUMN_KINDS) for a source."""

    def execute(self, query: exp.Expression) -> tuple[pa.Table, QueryStats]:
        """Run one SELECT (checked by `ensure_select`) and return its small result."""

    def close(self) -> None:
        """Release the connection."""
