"""custom_metric, performance_degradation and metric_change: one metric value vs a detection."""

from __future__ import annotations

import math
from typing import Any, Callable

from telltale.monitors.common import columns_of, detect, iter_targets, make_result, opt, segments_for
from telltale.monitors.context import EvalContext, Field, column_partials
from telltale.planner.partials import Partial, PartialValues, count_rows
from telltale.runner.results import MonitorResult

STATISTICS = ("mean", "min", "max", "sum", "variance", "stddev", "missing_count")
EXTENSIVE_STATISTICS = {"sum", "missing_count"}


def _metric_name(cfg: Any) -> str:
    return str(opt(cfg, "metric"))


def metric_requests(cfg: Any, ctx: EvalContext) -> set[Partial]:
    """The partials of the compiled DSL metric."""
    return set(ctx.compile_metric(_metric_name(cfg)).partials)


def metric_evaluate(cfg: Any, ctx: EvalContext) -> list[MonitorResult]:
    """The metric over the window (rows with labels, for model metrics) vs the detection."""
    compiled = ctx.compile_metric(_metric_name(cfg))
    fn: Callable[[PartialValues], float | None] = compiled.evaluate
    results = []
    for seg in segments_for(cfg, ctx):
        value = fn(ctx.values(ctx.focal, seg))
        verdict, base_rng, extra = None, None, {}   # type: ignore[var-annotated]
        if value is not None:
            verdict, base_rng, extra = detect(cfg, ctx, fn, value, seg)
        results.append(make_result(cfg, ctx, column=None, segment=seg, metric=compiled.name,
                                   value=value, verdict=verdict, baseline=base_rng, extra=extra))
    return results


def statistic_fn(f: Field, statistic: str) -> Callable[[PartialValues], float | None]:
    """How to read one statistic of a column from merged summaries."""
    p = column_partials(f)

    def fn(v: PartialValues) -> float | None:
        n = v.get(p["count"])
        if statistic == "missing_count":
            return float(v.get(count_rows()) - n)
        if statistic == "sum":
            return float(v.get(p["sum"]))
        if statistic in ("min", "max"):
            return v.get(p[statistic])
        if not n:
            return None
        mean = v.get(p["sum"]) / n
        if statistic == "mean":
            return mean
        if n < 2:
            return None
        var = max(0.0, (v.get(p["sumsq"]) - n * mean * mean) / (n - 1))
        return var if statistic == "variance" else math.sqrt(var)

    return fn


def change_requests(cfg: Any, ctx: EvalContext) -> set[Partial]:
    """count/sum/sum of squares/min/max of each numeric column."""
    out: set[Partial] = {count_rows()}
    for f in _numeric_columns(cfg, ctx):
        p = column_partials(f)
        out.update({p["count"], p["sum"], p["sumsq"], p["min"], p["max"]})
    return out


def _numeric_columns(cfg: Any, ctx: EvalContext) -> list[Field]:
    return [f for f in columns_of(cfg, ctx, "features") if f.is_numeric]


def change_evaluate(cfg: Any, ctx: EvalContext) -> list[MonitorResult]:
    """A statistic (mean, min, max, sum, variance, stddev, missing_count) of each column."""
    statistic = str(opt(cfg, "statistic", "mean"))
    results = []
    for f, seg in iter_targets(cfg, ctx, _numeric_columns(cfg, ctx)):
        fn = statistic_fn(f, statistic)
        value = fn(ctx.values(ctx.focal, seg))
        verdict, base_rng, extra = None, None, {}   # type: ignore[var-annotated]
        if value is not None:
            verdict, base_rng, extra = detect(cfg, ctx, fn, value, seg,
                                              extensive=statistic in EXTENSIVE_STATISTICS)
        results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric=statistic,
                                   value=value, verdict=verdict, baseline=base_rng, extra=extra))
    return results
