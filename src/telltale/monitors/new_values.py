"""new_values: the share of rows whose (categorical) value never occurs in the baseline.

It reads its own value counts: every distinct value of the column per bucket (and
segment), up to the monitor's `max_values` (default 10,000) most frequent ones, cut inside
the warehouse (planner/capped.py), so the share is exact on wide columns (countries,
merchants, product ids) and a column with millions of distinct values ships at most
`max_values` rows per bucket.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field as PydanticField

from telltale.configbase.values import Number, WholeNumber
from telltale.core.fields import Field, FieldGroup
from telltale.core.partials import Partial
from telltale.core.results import MonitorResult
from telltale.monitors.base import ColumnsMixin, MonitorBase, MonitorType
from telltale.monitors.common import columns_of, iter_targets, make_result
from telltale.monitors.context import EvalContext
from telltale.monitors.detection import Verdict, above
from telltale.planner.queries import OTHER


class NewValuesMonitor(MonitorBase, ColumnsMixin):
    """Share of rows whose (categorical) value never occurs in the baseline."""

    type: Literal["new_values"]
    min_share: Number = PydanticField(0.0, ge=0, le=1)
    """Alert when the share of new values is above this."""
    max_values: WholeNumber = PydanticField(10_000, ge=1, le=1_000_000)
    """The most distinct values kept per bucket (and segment); above it the share is a bound."""
    column_groups: ClassVar[tuple[FieldGroup, ...]] = ("features",)
    qualified_groups: ClassVar[tuple[FieldGroup, ...]] = ("features", "raw_inputs", "predictions")

    @property
    def compares_with_baseline(self) -> bool:
        """New values are new against the baseline."""
        return True

    def kind_error(self, ref: Field) -> str | None:
        """Numeric columns have no categories."""
        if ref.kind == "numeric":
            return (f"new_values needs categorical or boolean columns and '{ref.name}' is numeric; "
                    "use value_range for numeric columns")
        return None


def values_partial(f: Field, cap: int) -> Partial:
    """The value counts new_values reads: the `cap` most frequent values of each bucket,
    the rows of the others under `__other__` (cut in SQL)."""
    return Partial("values", f.expr, cap=cap)


def requests(cfg: NewValuesMonitor, ctx: EvalContext) -> set[Partial]:
    """Value counts of each categorical column, up to `max_values` per bucket."""
    return {values_partial(f, cfg.max_values) for f in columns_of(cfg, ctx) if not f.is_numeric}


def evaluate(cfg: NewValuesMonitor, ctx: EvalContext) -> list[MonitorResult]:
    """Share of the window's rows whose value never occurs in the baseline.

    share = (rows of the window whose value occurs in no baseline bucket) / (non-null rows
    of the window). Each bucket keeps up to `max_values` distinct values with their counts;
    while no bucket on either side had more, the share is exact. When a baseline bucket had
    more, a value missing from its list may still be among its other values, so no value
    can be called new: the share is reported as a lower bound, with the upper bound (every
    value not known to be in the baseline) beside it; when only a window bucket had more,
    its unlisted rows may be new. The verdict is taken on the lower bound, so an alert is
    always right, and the message names the column, the cap and how to make it exact.
    """
    min_share = cfg.min_share
    fields = [f for f in columns_of(cfg, ctx) if not f.is_numeric]
    results = []
    for f, seg in iter_targets(cfg, ctx, fields):
        p = values_partial(f, cfg.max_values)
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
            reason = (f"at least {lower:.4g}, at most {upper:.4g} (a lower bound: {f.name} has more "
                      f"than max_values ({cfg.max_values:,}) distinct values in a bucket of {cut}; "
                      f"raise max_values on monitor {cfg.name!r} above the column's distinct values per "
                      f"bucket for an exact share); {reason}")
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


MONITOR = MonitorType(NewValuesMonitor, evaluate, requests)
