"""The connector protocol: what telltale needs from a warehouse, and nothing more.

A connector names its sqlglot dialect, declares capabilities as data, runs one SELECT
(a sqlglot tree, checked before it leaves) and returns a small Arrow table, and
describes the columns of a source. Backend differences live in `Capabilities`, not in
subclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa
from sqlglot import exp

# The kinds a warehouse column type is reduced to.
COLUMN_KINDS = ("numeric", "boolean", "string", "timestamp", "date", "other")


@dataclass(frozen=True)
class Capabilities:
    """What a warehouse's SQL can do, as flags the planner reads."""

    grouping_sets: bool = True          # GROUP BY GROUPING SETS (...)
    grouping_function: bool = True      # GROUPING(col) in the select list
    tablesample: bool = True            # TABLESAMPLE / USING SAMPLE for grid edges
    approx_quantile: bool = True        # an approximate quantile aggregate exists
    count_if: bool = False              # COUNT_IF(cond)
    max_group_by_columns: int = 1000    # hard limit, if any


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
    dialect: str
    capabilities: Capabilities

    def relation(self, source: SourceSpec) -> exp.Expression:
        """A FROM-able sqlglot expression (table or subquery) for a source."""

    def describe(self, source: SourceSpec) -> dict[str, str]:
        """Column name -> kind (one of COLUMN_KINDS) for a source."""

    def execute(self, query: exp.Expression) -> tuple[pa.Table, QueryStats]:
        """Run one SELECT (checked by `ensure_select`) and return its small result."""

    def close(self) -> None:
        """Release the connection."""
