"""missing_values: the share of nulls in the window, per column (any mapped field)."""

from __future__ import annotations

from typing import ClassVar, Literal

from telltale.core.fields import FieldGroup
from telltale.core.partials import Partial, PartialValues, count_rows
from telltale.core.results import MonitorResult
from telltale.monitors.base import ColumnsMixin, DetectionMonitor, MonitorType
from telltale.monitors.common import columns_of, detect, iter_targets, make_result
from telltale.monitors.context import EvalContext, column_partials, non_finite


class MissingValuesMonitor(DetectionMonitor, ColumnsMixin):
    """Share of nulls in the window, per column (any mapped field)."""

    type: Literal["missing_values"]
    column_groups: ClassVar[tuple[FieldGroup, ...]] = ("features", "raw_inputs", "predictions", "actuals")
    qualified_groups: ClassVar[tuple[FieldGroup, ...]] = column_groups
    default_groups: ClassVar[tuple[FieldGroup, ...] | None] = ("features", "raw_inputs", "predictions")

    @property
    def metric_name(self) -> str:
        """`missing_ratio`: the share of nulls."""
        return "missing_ratio"


def requests(cfg: MissingValuesMonitor, ctx: EvalContext) -> set[Partial]:
    """Row count and non-null count per column."""
    out: set[Partial] = {count_rows()}
    for f in columns_of(cfg, ctx):
        out.add(Partial("count", f.expr))
        if f.is_numeric:
            out.add(column_partials(f)["finite"])
    return out


def evaluate(cfg: MissingValuesMonitor, ctx: EvalContext) -> list[MonitorResult]:
    """Share of nulls per column in the window, with the monitor's detection.

    NaN is a value, not a NULL: it is not counted as missing, but the message says how
    many NaN/infinite values the column holds.
    """
    results = []
    for f, seg in iter_targets(cfg, ctx, columns_of(cfg, ctx)):
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
        results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric=cfg.metric_name,
                                   value=value, verdict=verdict, baseline=base_rng, extra=extra,
                                   note=note))
    return results


MONITOR = MonitorType(MissingValuesMonitor, evaluate, requests)
