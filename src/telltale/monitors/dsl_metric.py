"""What custom_metric and performance_degradation share: one metric of the metric language
(or a built-in) over the window, vs the monitor's detection."""

from __future__ import annotations

import math
from typing import Callable, ClassVar

from telltale.configbase.values import Name
from telltale.core.fields import Field
from telltale.core.partials import Partial, PartialValues
from telltale.core.results import MonitorResult, Status
from telltale.metric_dsl.compiler import CompiledMetric
from telltale.metric_dsl.scaling import is_extensive
from telltale.monitors.base import DetectionMonitor
from telltale.monitors.common import detect, make_result, segments_for
from telltale.monitors.context import EvalContext, column_partials, non_finite


class MetricMonitorBase(DetectionMonitor):
    """The parameter of both metric types: `metric`, a DSL metric or a built-in."""

    metric: Name
    labelled_rows: ClassVar[bool] = False   # performance_degradation: only rows with a label

    @property
    def metric_name(self) -> str:
        """The DSL metric's (or built-in's) name."""
        return self.metric


def _read_fields(ctx: EvalContext, compiled: CompiledMetric) -> list[Field]:
    """The numeric fields whose columns a compiled metric reads."""
    cols = set(compiled.columns)
    return [f for f in ctx.fields.values() if f.is_numeric and f.column in cols]


def _non_finite_counts(ctx: EvalContext, compiled: CompiledMetric) -> list[Partial]:
    """The count and finite-count partials of each numeric column the metric reads."""
    out = []
    for f in _read_fields(ctx, compiled):
        p = column_partials(f)
        out += [p["count"], p["finite"]]
    return out


def requests(cfg: MetricMonitorBase, ctx: EvalContext) -> set[Partial]:
    """The partials of the compiled DSL metric, plus NaN/inf counts of the columns it reads."""
    compiled = ctx.compile_metric(cfg.metric, cfg.labelled_rows)
    return set(compiled.partials) | set(_non_finite_counts(ctx, compiled))


def evaluate(cfg: MetricMonitorBase, ctx: EvalContext) -> list[MonitorResult]:
    """The metric over the window (rows with labels, for model metrics) vs the detection.

    DSL aggregates follow SQL: a NaN among the values makes sum/mean/variance NaN and an
    infinity makes them infinite, so such a value is an `error` naming the metric and
    saying how many NaN/infinite values each column it reads holds in the window.
    """
    compiled = ctx.compile_metric(cfg.metric, cfg.labelled_rows)
    fn: Callable[[PartialValues], float | None] = compiled.evaluate
    extensive = is_extensive(compiled.final)   # counts per window of the focal length
    results = []
    for seg in segments_for(cfg, ctx):
        focal = ctx.values(ctx.focal, seg)
        out = compiled.explain(focal)   # the value, or why there is none (null or an error)
        value = out.value
        verdict, base_rng, extra = None, None, {}   # type: ignore[var-annotated]
        if value is not None and math.isfinite(value):
            verdict, base_rng, extra = detect(cfg, ctx, fn, value, seg, extensive=extensive)
        error: str | None = None
        status: Status | None = None
        counts = {f.name: n for f in _read_fields(ctx, compiled) if (n := non_finite(f, focal))}
        if counts:
            extra = {**extra, "non_finite": counts}
        seen = ", ".join(f"{n} in {c}" for c, n in counts.items())
        if value is not None and not math.isfinite(value):
            why = (f"the window holds NaN/infinite values ({seen})" if seen
                   else "the computation overflows double precision or is undefined")
            error = f"metric {compiled.name} is {value}, not a finite number: {why}"
        elif value is None and counts and out.error:
            # SQL aggregates turn NaN/inf into NaN/inf; the final expression has no value then
            status = "error"
            error = (f"metric {compiled.name} has no finite value: the window holds NaN/infinite "
                     f"values ({seen})")
        elif out.error:          # an overflow, or a math function outside its domain
            status = "error"
            error = f"metric {compiled.name}: {out.reason}"
        note = "" if error or not seen else f"; NaN/infinite values in the window: {seen}"
        results.append(make_result(cfg, ctx, column=None, segment=seg, metric=compiled.name,
                                   value=value, verdict=verdict, baseline=base_rng, extra=extra,
                                   error=error, status=status, note=note, reason=out.reason))
    return results
