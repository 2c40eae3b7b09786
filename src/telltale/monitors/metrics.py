"""custom_metric, performance_degradation and metric_change: one metric value vs a detection."""

from __future__ import annotations

import math
from typing import Any, Callable

from telltale.monitors.common import columns_of, detect, iter_targets, make_result, opt, segments_for
from telltale.core.fields import Field
from telltale.monitors.context import EvalContext, column_partials, non_finite, non_finite_note
from telltale.core.partials import Partial, PartialValues, count_rows
from telltale.core.results import MonitorResult, Status
from telltale.stats.moments import Variance, sample_variance

STATISTICS = ("mean", "min", "max", "sum", "variance", "stddev", "missing_count")
EXTENSIVE_STATISTICS = {"sum", "missing_count"}


def _metric_name(cfg: Any) -> str:
    return str(opt(cfg, "metric"))


def _read_fields(ctx: EvalContext, compiled: Any) -> list[Field]:
    """The numeric fields whose columns a compiled metric reads."""
    cols = set(compiled.columns)
    return [f for f in ctx.fields.values() if f.is_numeric and f.column in cols]


def _non_finite_counts(ctx: EvalContext, compiled: Any) -> list[Any]:
    """The count and finite-count partials of each numeric column the metric reads."""
    out = []
    for f in _read_fields(ctx, compiled):
        p = column_partials(f)
        out += [p["count"], p["finite"]]
    return out


def metric_requests(cfg: Any, ctx: EvalContext) -> set[Partial]:
    """The partials of the compiled DSL metric, plus NaN/inf counts of the columns it reads."""
    compiled = ctx.compile_metric(_metric_name(cfg))
    return set(compiled.partials) | set(_non_finite_counts(ctx, compiled))


def metric_evaluate(cfg: Any, ctx: EvalContext) -> list[MonitorResult]:
    """The metric over the window (rows with labels, for model metrics) vs the detection.

    DSL aggregates follow SQL: a NaN among the values makes sum/mean/variance NaN and an
    infinity makes them infinite, so such a value is an `error` naming the metric and
    saying how many NaN/infinite values each column it reads holds in the window.
    """
    compiled = ctx.compile_metric(_metric_name(cfg))
    fn: Callable[[PartialValues], float | None] = compiled.evaluate
    results = []
    for seg in segments_for(cfg, ctx):
        focal = ctx.values(ctx.focal, seg)
        out = compiled.explain(focal)   # the value, or why there is none (null or an error)
        value = out.value
        verdict, base_rng, extra = None, None, {}   # type: ignore[var-annotated]
        if value is not None and math.isfinite(value):
            verdict, base_rng, extra = detect(cfg, ctx, fn, value, seg)
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
    n = v.get(p["finite"])
    mean = v.get(p["sum"]) / n
    bound = "unbounded" if math.isinf(var.relative_error) else f"up to {var.relative_error:.2g} relative"
    return (f"{statistic} of {f.name} cannot be computed precisely from sums: the values (mean "
            f"{mean:.6g}) are large against their spread, so sum of squares − n·mean² cancels "
            f"(rounding error {bound})")


def change_requests(cfg: Any, ctx: EvalContext) -> set[Partial]:
    """count/sum/sum of squares/min/max of each numeric column."""
    out: set[Partial] = {count_rows()}
    for f in _numeric_columns(cfg, ctx):
        p = column_partials(f)
        out.update({p["count"], p["finite"], p["sum"], p["sumsq"], p["min"], p["max"]})
    return out


def _numeric_columns(cfg: Any, ctx: EvalContext) -> list[Field]:
    return [f for f in columns_of(cfg, ctx, "features") if f.is_numeric]


def change_evaluate(cfg: Any, ctx: EvalContext) -> list[MonitorResult]:
    """A statistic (mean, min, max, sum, variance, stddev, missing_count) of each column."""
    statistic = str(opt(cfg, "statistic", "mean"))
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
