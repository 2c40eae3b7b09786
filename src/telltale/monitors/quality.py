"""Data quality monitors: missing_values, new_values, value_range."""

from __future__ import annotations

from typing import Any

from telltale.monitors.common import columns_of, detect, detection_of, iter_targets, make_result, opt
from telltale.core.fields import Field
from telltale.monitors.context import EvalContext, column_partials, non_finite
from telltale.monitors.detection import Verdict, above
from telltale.core.partials import Partial, PartialValues, count_rows
from telltale.planner.queries import OTHER
from telltale.core.results import MonitorResult
from telltale.core.timeutil import TimeRange


def _all_fields(cfg: Any, ctx: EvalContext):
    return columns_of(cfg, ctx, "features")


def missing_requests(cfg: Any, ctx: EvalContext) -> set[Partial]:
    """Row count and non-null count per column."""
    out: set[Partial] = {count_rows()}
    for f in _all_fields(cfg, ctx):
        out.add(Partial("count", f.expr))
        if f.is_numeric:
            out.add(column_partials(f)["finite"])
    return out


def missing_evaluate(cfg: Any, ctx: EvalContext) -> list[MonitorResult]:
    """Share of nulls per column in the window, with the monitor's detection.

    NaN is a value, not a NULL: it is not counted as missing, but the message says how
    many NaN/infinite values the column holds.
    """
    results = []
    for f, seg in iter_targets(cfg, ctx, _all_fields(cfg, ctx)):
        nonnull = Partial("count", f.expr)

        def share(v: PartialValues, nonnull=nonnull) -> float | None:
            rows = v.get(count_rows())
            return None if not rows else (rows - v.get(nonnull)) / rows

        focal = ctx.values(ctx.focal, seg)
        value = share(focal)
        verdict, base_rng, extra = None, None, {}   # type: ignore[var-annotated]
        if value is not None:
            verdict, base_rng, extra = detect(cfg, ctx, share, value, seg, extensive=False)
        bad = non_finite(f, focal)
        if bad:
            extra = {**extra, "non_finite": bad}
        note = f"; {bad} NaN/infinite value(s), not counted as missing" if bad else ""
        results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric="missing_ratio",
                                   value=value, verdict=verdict, baseline=base_rng, extra=extra,
                                   note=note))
    return results


def new_values_requests(cfg: Any, ctx: EvalContext) -> set[Partial]:
    """Value counts of each categorical column."""
    return {column_partials(f)["values"] for f in columns_of(cfg, ctx, "features") if not f.is_numeric}


def new_values_evaluate(cfg: Any, ctx: EvalContext) -> list[MonitorResult]:
    """Share of the window's rows whose value never occurs in the baseline.

    Each bucket keeps its model's `top_values` most frequent values and folds the rest
    into `__other__`. While neither side was cut the share is exact. When the baseline was
    cut, a value missing from its list may still be in its `__other__`, so no value can be
    called new: the share is reported as a lower bound, with the upper bound (every value
    not known to be in the baseline) beside it; when only the window was cut, its
    `__other__` rows may be new. The verdict is taken on the lower bound, so an alert is
    always right, and the message says the result is a bound and how to make it exact.
    """
    min_share = float(opt(cfg, "min_share", 0.0))
    fields = [f for f in columns_of(cfg, ctx, "features") if not f.is_numeric]
    results = []
    for f, seg in iter_targets(cfg, ctx, fields):
        p = column_partials(f)["values"]
        focal = ctx.values(ctx.focal, seg).get(p)
        total = sum(focal.values())
        if ctx.baseline is None or not total:
            results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric="new_value_share",
                                       value=None, verdict=None, baseline=ctx.baseline,
                                       reason=f"{f.name} has no values in the window"))
            continue
        base = ctx.values(ctx.baseline, seg).get(p)
        base_cut, focal_cut = bool(base.get(OTHER)), bool(focal.get(OTHER))
        known = {k for k, v in base.items() if v and k != OTHER}
        unlisted = {k: v for k, v in focal.items() if k != OTHER and v and k not in known}
        new = {} if base_cut else unlisted
        lower = sum(new.values()) / total
        upper = (sum(unlisted.values()) + focal.get(OTHER, 0)) / total
        verdict = above(lower, min_share, "allowed share")
        reason = verdict.reason
        extra: dict[str, Any] = {"new_values": sorted(new)[:20]}
        if base_cut or focal_cut:
            cut = " and ".join(w for w, c in (("the baseline", base_cut), ("the window", focal_cut)) if c)
            reason = (f"at least {lower:.4g}, at most {upper:.4g} (a lower bound: values beyond the "
                      f"model's top_values per bucket were folded into {OTHER} in {cut}; raise "
                      f"top_values for an exact share); {reason}")
            extra.update({"lower_bound": lower, "upper_bound": upper, "exact": False})
            if base_cut and unlisted:
                extra["possibly_new_values"] = sorted(unlisted)[:20]
        if new:
            shown = ", ".join(repr(k) for k in sorted(new, key=lambda k: -new[k])[:5])
            reason += f"; new values: {shown}"
        verdict = Verdict(verdict.fired, verdict.threshold, reason)
        results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric="new_value_share",
                                   value=lower, verdict=verdict, baseline=ctx.baseline, extra=extra))
    return results


def range_requests(cfg: Any, ctx: EvalContext) -> set[Partial]:
    """Min and max (of the finite values) and the NaN/inf count of each numeric column."""
    out: set[Partial] = set()
    for f in columns_of(cfg, ctx, "features"):
        if f.is_numeric:
            p = column_partials(f)
            out.update({p["min"], p["max"], p["rows"], p["count"], p["finite"]})
    return out


def range_bounds(cfg: Any, ctx: EvalContext, f: Field,
                 seg: dict | None) -> tuple[float | None, float | None, TimeRange | None] | None:
    """(lo, hi, baseline used) allowed for a column: the margin around the baseline's range,
    else the `absolute` detection's bounds; None when the baseline has no value."""
    margin = opt(cfg, "margin")
    if margin is not None and ctx.baseline is not None:
        p = column_partials(f)
        bv = ctx.values(ctx.baseline, seg)
        blo, bhi = bv.get(p["min"]), bv.get(p["max"])
        if blo is None or bhi is None:
            return None
        width = (float(bhi) - float(blo)) * float(margin)
        return float(blo) - width, float(bhi) + width, ctx.baseline
    rule = detection_of(cfg)
    if rule is not None:
        params = rule[1]
        lo, hi = params.get("min"), params.get("max")
        return (None if lo is None else float(lo)), (None if hi is None else float(hi)), None
    return None, None, None


def _bound(v: float | None) -> str:
    return "none" if v is None else f"{v:.6g}"


def range_evaluate(cfg: Any, ctx: EvalContext) -> list[MonitorResult]:
    """The window's min and max vs absolute bounds or a margin around the baseline's range.

    NaN and ±inf lie outside every range: a window holding any fires, and the message
    says how many there were (min and max are those of the finite values).
    """
    results = []
    fields = [f for f in columns_of(cfg, ctx, "features") if f.is_numeric]
    for f, seg in iter_targets(cfg, ctx, fields):
        p = column_partials(f)
        fv = ctx.values(ctx.focal, seg)
        lo_v, hi_v = fv.get(p["min"]), fv.get(p["max"])
        bad = non_finite(f, fv)
        bounds = range_bounds(cfg, ctx, f, seg)
        if bounds is None or (lo_v is None and not bad):
            results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric="range", value=None,
                                       verdict=None, baseline=ctx.baseline if bounds is None else None,
                                       reason=f"the baseline has no values of {f.name}" if bounds is None
                                       else f"{f.name} has no values in the window"))
            continue
        lo, hi, base_rng = bounds
        threshold = {k: v for k, v in (("min", lo), ("max", hi)) if v is not None}
        below = lo_v is not None and lo is not None and float(lo_v) < lo
        above_ = hi_v is not None and hi is not None and float(hi_v) > hi
        fired = below or above_ or bad > 0
        seen = "no finite value" if lo_v is None else f"min {float(lo_v):.6g}, max {float(hi_v):.6g}"
        reason = f"{seen}; allowed [{_bound(lo)}, {_bound(hi)}]"
        if below:
            reason += f"; the min is below {_bound(lo)}"
        if above_:
            reason += f"; the max is above {_bound(hi)}"
        if bad:
            reason += f"; {bad} NaN/infinite value(s), outside any range"
        verdict = Verdict(fired, threshold, reason)
        value = (float(lo_v) if below else float(hi_v)) if lo_v is not None else None
        extra: dict[str, Any] = {"min": lo_v, "max": hi_v}
        if bad:
            extra["non_finite"] = bad
        results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric="range", value=value,
                                   verdict=verdict, baseline=base_rng, extra=extra,
                                   status="alert" if fired else "ok"))
    return results
