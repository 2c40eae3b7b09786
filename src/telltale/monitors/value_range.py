"""value_range: the window's min and max of numeric columns vs fixed bounds or the baseline's range."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field as PydanticField
from pydantic import field_validator, model_validator

from telltale.configbase.detection import Detection, DetectionKind
from telltale.configbase.values import Number, fail
from telltale.core.fields import Field, FieldGroup
from telltale.core.partials import Partial
from telltale.core.results import MonitorResult
from telltale.core.timeutil import TimeRange
from telltale.monitors.base import ColumnsMixin, MonitorBase, MonitorType, check_detection
from telltale.monitors.common import columns_of, iter_targets, make_result
from telltale.monitors.context import EvalContext, column_partials, non_finite
from telltale.monitors.detection import Verdict


class ValueRangeMonitor(MonitorBase, ColumnsMixin):
    """The window's min and max of numeric columns vs fixed bounds or the baseline's range."""

    type: Literal["value_range"]
    detection: Detection | None = None
    margin: Number | None = PydanticField(None, ge=0)
    """Allowed overshoot as a fraction of the baseline's range (0.1 = 10 % beyond min/max)."""
    allowed_detections: ClassVar[tuple[DetectionKind, ...]] = ("absolute",)
    column_groups: ClassVar[tuple[FieldGroup, ...]] = ("features",)
    qualified_groups: ClassVar[tuple[FieldGroup, ...]] = ("features", "raw_inputs", "predictions",
                                                          "actuals")

    @field_validator("detection")
    @classmethod
    def _detection(cls, value: Detection | None) -> Detection | None:
        return check_detection(cls, value)

    @model_validator(mode="after")
    def _one_rule(self) -> ValueRangeMonitor:
        if (self.detection is None) == (self.margin is None):
            raise fail("give either detection: {absolute: {min: 0, max: 100}} or margin: 0.1 "
                       "(a fraction of the baseline's range)"
                       + (", not both" if self.detection is not None else ""),
                       at="margin" if self.margin is not None else None)
        return self

    @property
    def compares_with_baseline(self) -> bool:
        """A margin is taken around the baseline's range."""
        return self.margin is not None

    @property
    def metric_name(self) -> str:
        """`range`: the window's min and max."""
        return "range"

    def kind_error(self, ref: Field) -> str | None:
        """Only numeric columns have a range."""
        if ref.kind != "numeric":
            return (f"value_range needs numeric columns and '{ref.name}' is {ref.kind}; "
                    "use new_values for categorical columns")
        return None


def requests(cfg: ValueRangeMonitor, ctx: EvalContext) -> set[Partial]:
    """Min and max (of the finite values) and the NaN/inf count of each numeric column."""
    out: set[Partial] = set()
    for f in columns_of(cfg, ctx):
        if f.is_numeric:
            p = column_partials(f)
            out.update({p["min"], p["max"], p["rows"], p["count"], p["finite"]})
    return out


def range_bounds(cfg: ValueRangeMonitor, ctx: EvalContext, f: Field,
                 seg: dict | None) -> tuple[float | None, float | None, TimeRange | None] | None:
    """(lo, hi, baseline used) allowed for a column: the margin around the baseline's range,
    else the `absolute` detection's bounds; None when the baseline has no value."""
    margin = cfg.margin
    if margin is not None and ctx.baseline is not None:
        p = column_partials(f)
        bv = ctx.values(ctx.baseline, seg)
        blo, bhi = bv.get(p["min"]), bv.get(p["max"])
        if blo is None or bhi is None:
            return None
        width = (float(bhi) - float(blo)) * float(margin)
        return float(blo) - width, float(bhi) + width, ctx.baseline
    rule = cfg.detection.absolute if cfg.detection is not None else None
    if rule is not None:
        return rule.min, rule.max, None
    return None, None, None


def _bound(v: float | None) -> str:
    return "none" if v is None else f"{v:.6g}"


def evaluate(cfg: ValueRangeMonitor, ctx: EvalContext) -> list[MonitorResult]:
    """The window's min and max vs absolute bounds or a margin around the baseline's range.

    NaN and ±inf lie outside every range: a window holding any fires, and the message
    says how many there were (min and max are those of the finite values).
    """
    results = []
    fields = [f for f in columns_of(cfg, ctx) if f.is_numeric]
    for f, seg in iter_targets(cfg, ctx, fields):
        p = column_partials(f)
        fv = ctx.values(ctx.focal, seg)
        lo_v, hi_v = fv.get(p["min"]), fv.get(p["max"])
        bad = non_finite(f, fv)
        bounds = range_bounds(cfg, ctx, f, seg)
        if bounds is None or (lo_v is None and not bad):
            results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric=cfg.metric_name, value=None,
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
        results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric=cfg.metric_name, value=value,
                                   verdict=verdict, baseline=base_rng, extra=extra,
                                   status="alert" if fired else "ok"))
    return results


MONITOR = MonitorType(ValueRangeMonitor, evaluate, requests)
