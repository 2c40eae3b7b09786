"""What an expression is worth at compile time: a constant, a row value, an aggregate or a mask.

* `Const` - a number, string, boolean or None known at compile time;
* `Row` - a per-row SQL expression (a field, arithmetic of fields, a condition) with the
  filters hoisted out of it: every filter inside an aggregate's argument narrows the rows
  of that aggregate;
* `Agg` - an aggregate: a final-expression tree over partials;
* `Mask` - a bare `[condition]`: only rows, no value (Aporia's `prediction_count([...])`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlglot import exp
from telltale.metric_dsl.final import Final
from telltale.metric_dsl.schema import FieldInfo

# the kinds a per-row value can have (the same words as field kinds)
ROW_KINDS = ("numeric", "boolean", "categorical")


@dataclass(frozen=True, eq=False)
class Const:
    """A compile-time constant; `kind` is number, string, boolean or none."""

    value: Any
    kind: str

    def describe(self) -> str:
        """How messages name it."""
        if self.kind == "none":
            return "None"
        if self.kind == "string":
            return f"the string {self.value!r}"
        return f"the constant {self.value!r}"


@dataclass(frozen=True, eq=False)
class Row:
    """A per-row value: `sql` over the model relation, `filters` hoisted from inside it."""

    sql: exp.Expression
    kind: str                                   # numeric | boolean | categorical
    filters: tuple[exp.Expression, ...] = ()
    label: str = ""
    field: FieldInfo | None = None

    def describe(self) -> str:
        """How messages name it, e.g. `categorical field predictions.label`."""
        what = "field" if self.field is not None else "value"
        return f"{self.kind} {what} {self.label}".strip()


@dataclass(frozen=True, eq=False)
class Agg:
    """An aggregate value: a final expression over merged partials."""

    final: Final
    label: str = ""

    def describe(self) -> str:
        """How messages name it."""
        return f"the aggregate {self.label}" if self.label else "an aggregate"


@dataclass(frozen=True, eq=False)
class Mask:
    """A bare `[condition]`: selects rows, has no value of its own."""

    filters: tuple[exp.Expression, ...]

    def describe(self) -> str:
        """How messages name it."""
        return "a filter [...]"


Value = Const | Row | Agg | Mask


def const_kind(value: Any) -> str:
    """The kind of a Python constant."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string"
