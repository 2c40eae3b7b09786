"""Mergeable partial aggregates: the one shape every metric is split into.

A metric is a set of partials pushed down per time bucket and segment, plus a final
expression evaluated in Python after the buckets of a window are merged (two-phase
aggregation). This module defines the partials, their canonical keys and how two
partial values merge.

Kinds and the value each one holds after the warehouse returns it:

=========  ============================================  =======================
kind       SQL per (bucket, segment)                     value in Python
=========  ============================================  =======================
count      COUNT(expr) / COUNT(*) with filter            int
sum        SUM(expr) with filter                         float (0.0 when empty)
min        MIN(expr) with filter                         float | None
max        MAX(expr) with filter                         float | None
hist       COUNT(*) per grid bin of expr (non-null)      dict[int, int]
values     COUNT(*) per distinct value of expr           dict[str, int]
           (`cap` N: the N most frequent per bucket and
           segment, cut in SQL, the rest summed under
           `__other__`)
crosstab   COUNT(*) per pair (expr, expr2)               dict[tuple[str, str], int]
rank       SUM over queries of a per-query ranking       float (0.0 when empty)
           score (see planner/ranking.py)
=========  ============================================  =======================

`filter` narrows the rows of that one partial. A `rank` partial ranks the rows of each
query (`group`, the query column) by `expr` (the score, descending) inside the warehouse,
computes one value per query from the relevance `expr2` (`option`: `ndcg@K`, `mrr`,
`mrr@K`, `map@K` or `queries`, the number of queries) and sums it per bucket and segment,
so it merges like `sum`. A `values` partial with a `cap` keeps each (bucket, segment)'s `cap`
most frequent values (ties by value) and the count of the rest under `__other__`, all cut
inside the warehouse (planner/capped.py), so no more than `cap` rows per bucket come back;
without a cap every value comes back and the model's `top_values` cut is applied after
the fetch. `hist` bins come from a `Grid` fixed per
expression (see core/grids.py); its bins never change once stored, so buckets merge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Mapping

from sqlglot import exp

from telltale.core.timeutil import to_utc

PartialKind = Literal["count", "sum", "min", "max", "hist", "values", "crosstab", "rank"]
SCALAR_KINDS = frozenset({"count", "sum", "min", "max"})
DISTRIBUTION_KINDS = frozenset({"hist", "values", "crosstab"})


def expr_key(e: exp.Expression | None) -> str:
    """A canonical, dialect-neutral text for an expression, used only as a dictionary key."""
    return "*" if e is None else e.sql(dialect="duckdb", normalize=False)


def normalize_value(v: Any) -> str | None:
    """A category or segment value as stable text across warehouses."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, datetime):
        return to_utc(v).isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


@dataclass(frozen=True)
class Partial:
    """One mergeable aggregate over a model's rows.

    `expr` is a sqlglot expression over the model relation's columns (None means
    `COUNT(*)`); `filter` a sqlglot condition or None; `expr2` the second axis of a
    crosstab. Expressions are sqlglot trees, never SQL strings.
    """

    kind: PartialKind
    expr: exp.Expression | None = None
    filter: exp.Expression | None = None
    expr2: exp.Expression | None = None
    group: exp.Expression | None = None     # `rank`: the query column
    option: str = ""                        # `rank`: which per-query value (ndcg@10, mrr, ...)
    cap: int = 0                            # `values`: most values kept per bucket in SQL (0: no cap)
    key: str = field(init=False, compare=True, hash=True)
    _expr_key: str = field(init=False, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_expr_key", expr_key(self.expr))
        parts = [self.kind, self._expr_key]
        if self.expr2 is not None:
            parts.append(expr_key(self.expr2))
        if self.group is not None:
            parts.append("by " + expr_key(self.group))
        if self.option:
            parts.append(self.option)
        if self.cap:
            parts.append(f"max {self.cap}")
        if self.filter is not None:
            parts.append("where " + expr_key(self.filter))
        object.__setattr__(self, "key", "|".join(parts))

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Partial) and other.key == self.key

    @property
    def is_scalar(self) -> bool:
        """True for count/sum/min/max (one value per group)."""
        return self.kind in SCALAR_KINDS

    @property
    def grid_key(self) -> str:
        """For `hist`: the key of the expression whose grid bins it (rendered once)."""
        return self._expr_key


def count_rows(filter: exp.Expression | None = None) -> Partial:
    """`COUNT(*)`, optionally over the rows matching `filter`."""
    return Partial("count", None, filter)


def empty_value(kind: str) -> Any:
    """The value of a partial over no rows."""
    if kind == "count":
        return 0
    if kind in ("sum", "rank"):
        return 0.0
    if kind in ("min", "max"):
        return None
    return {}


def merge_values(kind: str, a: Any, b: Any) -> Any:
    """Merge two values of the same partial kind (the second phase of aggregation)."""
    if kind in ("count", "sum", "rank"):
        return (a or 0) + (b or 0)
    if kind == "min":
        return b if a is None else a if b is None else min(a, b)
    if kind == "max":
        return b if a is None else a if b is None else max(a, b)
    return add_counts(dict(a or {}), b)


def add_counts(acc: dict[Any, Any], b: Mapping[Any, Any] | None) -> dict[Any, Any]:
    """Add the counts of `b` into `acc` in place (a hist/values/crosstab merge); return `acc`."""
    for k, v in (b or {}).items():
        acc[k] = acc.get(k, 0) + v
    return acc


def merge_many(kind: str, values: list[Any]) -> Any:
    """Merge any number of values of one kind."""
    acc = empty_value(kind)
    for v in values:
        acc = merge_values(kind, acc, v)
    return acc


@dataclass(frozen=True)
class PartialValues:
    """Merged values of partials for one window and segment, looked up by Partial or key."""

    values: Mapping[str, Any]
    grids: Mapping[str, Any] = field(default_factory=dict)

    def get(self, p: Partial | str) -> Any:
        """The merged value of a partial (its empty value when nothing was stored)."""
        key = p if isinstance(p, str) else p.key
        if key in self.values:
            return self.values[key]
        kind = key.split("|", 1)[0]
        return empty_value(kind)

    def grid(self, p: Partial | str):
        """The grid a `hist` partial was binned on."""
        key = p if isinstance(p, str) else p.grid_key
        return self.grids.get(key)
