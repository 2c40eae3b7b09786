"""Data quality monitors: missing_values, new_values, value_range."""

from __future__ import annotations

from typing import Any

from telltale.monitors.common import columns_of, detect, detection_of, iter_targets, make_result, opt
from telltale.monitors.context import EvalContext, column_partials
from telltale.monitors.detection import Verdict, above, absolute
from telltale.planner.partials import Partial, PartialValues, count_rows
from telltale.runner.results import MonitorResult


def _all_fields(cfg: Any, ctx: EvalContext):
    return columns_of(cfg, ctx, "features")


def missing_requests(cfg: Any, ctx: EvalContext) -> set[Partial]:
    """Row count and non-null count per column."""
    out: set[Partial] = {count_rows()}
    for f in _all_fields(cfg, ctx):
        out.add(Partial("count", f.expr))
    return out


def missing_evaluate(cfg: Any, ctx: EvalContext) -> list[MonitorResult]:
    """Share of nulls per column in the window, with the monitor's detection."""
    results = []
    for f, seg in iter_targets(cfg, ctx, _all_fields(cfg, ctx)):
        nonnull = Partial("count", f.expr)

        def share(v: PartialValues, nonnull=nonnull) -> float | None:
            rows = v.get(count_rows())
            return None if not rows else (rows - v.get(nonnull)) / rows

        value = share(ctx.values(ctx.focal, seg))
        verdict, base_rng, extra = None, None, {}   # type: ignore[var-annotated]
        if value is not None:
            verdict, base_rng, extra = detect(cfg, ctx, share, value, seg, extensive=False)
        results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric="missing_ratio",
                                   value=value, verdict=verdict, baseline=base_rng, extra=extra))
    return results


def new_values_requests(cfg: Any, ctx: EvalContext) -> set[Partial]:
    """Value counts of each categorical column."""
    return {column_partials(f)["values"] for f in columns_of(cfg, ctx, "features") if not f.is_numeric}


def new_values_evaluate(cfg: Any, ctx: EvalContext) -> list[MonitorResult]:
    """Share of the window's rows whose value never occurs in the baseline."""
    min_share = float(opt(cfg, "min_share", 0.0))
    fields = [f for f in columns_of(cfg, ctx, "features") if not f.is_numeric]
    results = []
    for f, seg in iter_targets(cfg, ctx, fields):
        p = column_partials(f)["values"]
        focal = ctx.values(ctx.focal, seg).get(p)
        total = sum(focal.values())
        if ctx.baseline is None or not total:
            results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric="new_value_share",
                                       value=None, verdict=None, baseline=ctx.baseline))
            continue
        known = {k for k, v in ctx.values(ctx.baseline, seg).get(p).items() if v}
        new = {k: v for k, v in focal.items() if k not in known and v}
        value = sum(new.values()) / total
        verdict = above(value, min_share, "allowed share")
        if new:
            shown = ", ".join(repr(k) for k in sorted(new, key=lambda k: -new[k])[:5])
            verdict = Verdict(verdict.fired, verdict.threshold, f"{verdict.reason}; new values: {shown}")
        results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric="new_value_share",
                                   value=value, verdict=verdict, baseline=ctx.baseline,
                                   extra={"new_values": sorted(new)[:20]}))
    return results


def range_requests(cfg: Any, ctx: EvalContext) -> set[Partial]:
    """Min and max of each numeric column."""
    out: set[Partial] = set()
    for f in columns_of(cfg, ctx, "features"):
        if f.is_numeric:
            p = column_partials(f)
            out.update({p["min"], p["max"], p["rows"]})
    return out


def range_evaluate(cfg: Any, ctx: EvalContext) -> list[MonitorResult]:
    """The window's min and max vs absolute bounds or a margin around the baseline's range."""
    results = []
    fields = [f for f in columns_of(cfg, ctx, "features") if f.is_numeric]
    margin = opt(cfg, "margin")
    for f, seg in iter_targets(cfg, ctx, fields):
        p = column_partials(f)
        fv = ctx.values(ctx.focal, seg)
        lo_v, hi_v = fv.get(p["min"]), fv.get(p["max"])
        if lo_v is None:
            results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric="range",
                                       value=None, verdict=None))
            continue
        base_rng = None
        if margin is not None and ctx.baseline is not None:
            bv = ctx.values(ctx.baseline, seg)
            blo, bhi = bv.get(p["min"]), bv.get(p["max"])
            if blo is None:
                results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric="range",
                                           value=None, verdict=None, baseline=ctx.baseline))
                continue
            width = (bhi - blo) * float(margin)
            lo, hi, base_rng = blo - width, bhi + width, ctx.baseline
        elif (rule := detection_of(cfg)) is not None:
            params = rule[1]
            lo, hi = params.get("min"), params.get("max")
        else:
            lo = hi = None
        v_lo, v_hi = absolute(lo_v, lo, None), absolute(hi_v, None, hi)
        fired = v_lo.fired or v_hi.fired
        reason = f"min {lo_v:.4g}, max {hi_v:.4g}; allowed [{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"
        verdict = Verdict(fired, {k: v for k, v in (("min", lo), ("max", hi)) if v is not None}, reason)
        value = lo_v if v_lo.fired else hi_v
        results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric="range", value=value,
                                   verdict=verdict, baseline=base_rng, extra={"min": lo_v, "max": hi_v}))
    return results
