"""What a monitor sees: the model's fields, its windows, and merged summaries on demand."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable, Mapping

from sqlglot import exp

from telltale.core.fields import Field
from telltale.core.partials import Partial, PartialValues, count_rows
from telltale.core.timeutil import TimeRange
from telltale.metric_dsl.compiler import CompiledMetric
from telltale.core.squares import square_safe_condition
from telltale.planner.aggsql import as_double, finite_condition

if TYPE_CHECKING:
    from telltale.monitors.base import MonitorBase


def column_partials(f: Field) -> dict[str, Partial]:
    """The standard summaries of one field, by role (see `_column_partials`).

    Built once per field and process: a run asks for them about five times per column, and
    rendering the keys of new partials (`Partial.key`) was 0.2-0.3 s of a daily run. The
    dict is a fresh copy; the partials (and their sqlglot trees, which every user copies
    before building SQL on them) are shared, as frozen values.
    """
    return dict(_column_partials(f))


@lru_cache(maxsize=4096)
def _column_partials(f: Field) -> dict[str, Partial]:
    """The standard summaries of one field, by role.

    Numeric fields: `count` is the non-null count; `finite` counts the finite values and
    every moment (`sum`, `sumsq`, `min`, `max`) and the histogram read only finite values, so NaN
    and ±inf never reach a statistic: `count - finite` of them were seen and are reported.
    Sums are taken in DOUBLE (see `planner.aggsql`), and the square is a product of
    DOUBLEs, so INTEGER/BIGINT/DECIMAL columns cannot overflow.
    """
    e = f.expr
    parts = {"rows": count_rows(), "count": Partial("count", e)}
    if f.is_numeric:
        ok = finite_condition(e)
        x = as_double(e)
        parts.update({
            "finite": Partial("count", None, ok),
            "sum": Partial("sum", e, ok),
            # only values whose square neither over- nor underflows (core/squares.py)
            "sumsq": Partial("sum", exp.Mul(this=x, expression=x.copy()), square_safe_condition(e)),
            "min": Partial("min", e, ok), "max": Partial("max", e, ok),
            # every histogram leaves NaN/inf out (planner.queries: their bin key is NULL),
            # so it needs no filter and is shared with the metric language's quantile(x)
            "hist": Partial("hist", e),
        })
    else:
        parts["values"] = Partial("values", e)
    return parts


def non_finite(f: Field, values: PartialValues) -> int:
    """How many NaN/±inf values of a numeric field the merged summaries saw (0 otherwise)."""
    if not f.is_numeric:
        return 0
    p = column_partials(f)
    return max(0, int(values.get(p["count"])) - int(values.get(p["finite"])))


def non_finite_note(n: int) -> str:
    """`; 3 NaN/infinite value(s) left out` (empty when n is 0)."""
    return f"; {n} NaN/infinite value(s) left out" if n else ""


@dataclass(frozen=True)
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
    merged: Callable[[TimeRange, dict[str, str | None] | None], PartialValues]
    segment_values: Callable[[TimeRange], dict[str, list[str | None]]]
    compile_metric: Callable[[str, bool], CompiledMetric]   # (metric, labelled rows only)
    monitor_columns: Callable[[MonitorBase], list[Field]]
    answer: Any = None
    """The decoded answer of the monitor's own query (a type with a query hook), else None."""
    version: str | None = None
    """The model's version column when summaries are grouped by it (some monitor has `by_version`)."""

    def values(self, rng: TimeRange, segment: dict[str, str | None] | None = None) -> PartialValues:
        """Merged partial values over `rng` for one segment (None: all rows)."""
        return self.merged(rng, segment)
