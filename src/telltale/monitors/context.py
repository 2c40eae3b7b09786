"""What a monitor sees: the model's fields, its windows, and merged summaries on demand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from sqlglot import exp

from telltale.planner.partials import Partial, PartialValues, count_rows
from telltale.planner.relation import col
from telltale.timeutil import TimeRange


@dataclass(frozen=True)
class Field:
    """One mapped column of a model: `features.income` -> column `income`, numeric."""

    name: str
    group: str          # features | raw_inputs | predictions | actuals
    column: str
    kind: str           # numeric | categorical | boolean

    @property
    def expr(self) -> exp.Column:
        """The column as a quoted sqlglot reference."""
        return col(self.column)

    @property
    def is_numeric(self) -> bool:
        """Numeric fields get histograms; the rest get value counts."""
        return self.kind == "numeric"


def column_partials(f: Field) -> dict[str, Partial]:
    """The standard summaries of one field, by role."""
    e = f.expr
    parts = {"rows": count_rows(), "count": Partial("count", e)}
    if f.is_numeric:
        parts.update({
            "sum": Partial("sum", e),
            "sumsq": Partial("sum", exp.Mul(this=e.copy(), expression=e.copy())),
            "min": Partial("min", e), "max": Partial("max", e), "hist": Partial("hist", e),
        })
    else:
        parts["values"] = Partial("values", e)
    return parts


@dataclass
class EvalContext:
    """Windows of one monitor and a way to read merged summaries for any range and segment."""

    model: str
    model_type: str
    fields: Mapping[str, Field]
    focal: TimeRange
    baseline: TimeRange | None
    at: datetime
    step: timedelta
    segments: tuple[str, ...]
    merged: Callable[[TimeRange, dict[str, str] | None], PartialValues]
    segment_values: Callable[[TimeRange], dict[str, list[str]]]
    compile_metric: Callable[[str], Any]
    monitor_columns: Callable[[Any], list[Field]]

    def values(self, rng: TimeRange, segment: dict[str, str] | None = None) -> PartialValues:
        """Merged partial values over `rng` for one segment (None: all rows)."""
        return self.merged(rng, segment)
