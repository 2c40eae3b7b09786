"""metric_change: a statistic (mean, min, max, sum, variance, stddev, missing_count) of each
column in the window, vs the monitor's detection."""

from __future__ import annotations

import math
from typing import Callable, ClassVar, Literal

from telltale.core.fields import Field, FieldGroup
from telltale.core.partials import Partial, PartialValues, count_rows
from telltale.core.results import MonitorResult
from telltale.monitors.base import ColumnsMixin, DetectionMonitor, MonitorType
from telltale.monitors.common import columns_of, detect, iter_targets, make_result
from telltale.monitors.context import EvalContext, column_partials, non_finite, non_finite_note
from telltale.stats.moments import Variance, sample_variance

Statistic = Literal["mean", "min", "max", "sum", "variance", "stddev", "missing_count"]
EXTENSIVE_STATISTICS = {"sum", "missing_count"}


class MetricChangeMonitor(DetectionMonitor, ColumnsMixin):
    """A statistic (mean, min, ...) of each column in the window."""

    type: Literal["metric_change"]
    statistic: Statistic = "mean"
    column_groups: ClassVar[tuple[FieldGroup, ...]] = ("features",)
    qualified_groups: ClassVar[tuple[FieldGroup, ...]] = ("features", "raw_inputs", "predictions", "actuals")

    @property
    def metric_name(self) -> str:
        """The `statistic` (`mean`, `max`, ...)."""
        return self.statistic

    def kind_error(self, ref: Field) -> str | None:
        """Every statistic but missing_count reads numeric columns."""
        if self.statistic != "missing_count" and ref.kind != "numeric":
            return (f"statistic {self.statistic} needs numeric columns and '{ref.name}' is "
                    f"{ref.kind}; use statistic: missing_count or a numeric column")
        return None


def statistic_fn(f: Field, statistic: str) -> Callable[[PartialValues], float | None]:
    """How to read one statistic of a column from merged summaries.

    mean, sum, variance, stddev, min and max are over the finite values (NaN and ±inf are
    left out in SQL and counted, see `context.column_partials`); missing_count counts NULLs.
    A variance that is not finite (sums of squares beyond double range) stays non-finite,
    so the result is an error rather than a clamped 0.
    """
    p = column_partials(f)

    def fn(v: PartialValues) -> float | None:
        if statistic == "missing_count":
            return float(v.get(count_rows()) - v.get(p["count"]))
        n = v.get(p["finite"])
        if statistic == "sum":
            return float(v.get(p["sum"]))
        if statistic in ("min", "max"):
            m = v.get(p[statistic])
            return None if m is None else float(m)
        if not n:
            return None
        mean = v.get(p["sum"]) / n
        if statistic == "mean":
            return mean
        var = _variance(f, v)
        if var is None:
            return None
        if not var.precise:   # NaN: reported as an error (see `precision_note`)
            return math.nan
        return var.value if statistic == "variance" else math.sqrt(var.value) if var.value >= 0 else var.value

    return fn


def _variance(f: Field, v: PartialValues) -> Variance | None:
    p = column_partials(f)
    return sample_variance(v.get(p["finite"]), v.get(p["sum"]), v.get(p["sumsq"]),
                           v.get(p["min"]), v.get(p["max"]))


def precision_error(f: Field, statistic: str, v: PartialValues) -> str | None:
    """Why a variance/stddev read from sums cannot be trusted, or None."""
    if statistic not in ("variance", "stddev"):
        return None
    var = _variance(f, v)
    if var is None or var.precise or not math.isfinite(var.value):
        return None
    p = column_partials(f)
    return var.why(f"{statistic} of {f.name}", v.get(p["sum"]) / v.get(p["finite"]))


def requests(cfg: MetricChangeMonitor, ctx: EvalContext) -> set[Partial]:
    """count/sum/sum of squares/min/max of each numeric column."""
    out: set[Partial] = {count_rows()}
    for f in _numeric_columns(cfg, ctx):
        p = column_partials(f)
        out.update({p["count"], p["finite"], p["sum"], p["sumsq"], p["min"], p["max"]})
    return out


def _numeric_columns(cfg: MetricChangeMonitor, ctx: EvalContext) -> list[Field]:
    return [f for f in columns_of(cfg, ctx) if f.is_numeric]


def evaluate(cfg: MetricChangeMonitor, ctx: EvalContext) -> list[MonitorResult]:
    """A statistic (mean, min, max, sum, variance, stddev, missing_count) of each column."""
    statistic = cfg.statistic
    results = []
    for f, seg in iter_targets(cfg, ctx, _numeric_columns(cfg, ctx)):
        fn = statistic_fn(f, statistic)
        focal = ctx.values(ctx.focal, seg)
        value = fn(focal)
        verdict, base_rng, extra = None, None, {}   # type: ignore[var-annotated]
        if value is not None and math.isfinite(value):
            verdict, base_rng, extra = detect(cfg, ctx, fn, value, seg,
                                              extensive=statistic in EXTENSIVE_STATISTICS)
        bad = 0 if statistic == "missing_count" else non_finite(f, focal)
        if bad:
            extra = {**extra, "non_finite": bad}
        note = (f"; all {bad} non-null value(s) are NaN/infinite" if value is None and bad
                else non_finite_note(bad))
        results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric=statistic,
                                   value=value, verdict=verdict, baseline=base_rng, extra=extra,
                                   note=note, error=precision_error(f, statistic, focal),
                                   reason=f"{f.name} has no values in the window"
                                          + (" (variance and stddev need two)" if statistic in ("variance", "stddev") else "")))
    return results


MONITOR = MonitorType(MetricChangeMonitor, evaluate, requests)
