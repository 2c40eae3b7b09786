"""new_values: the share of rows whose (categorical) value never occurs in the baseline.

It reads its own value counts: every distinct value of the column per bucket (and
segment), up to the monitor's `max_values` (default 10,000) most frequent ones, cut inside
the warehouse (planner/capped.py), so the share is exact on wide columns (countries,
merchants, product ids) and a column with millions of distinct values ships at most
`max_values` rows per bucket.
"""

from __future__ import annotations

import math
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
from telltale.stats.poisson import poisson_at_least

NEW_VALUES_ALPHA = 0.001
"""An alert needs a new value this unlikely to be one the baseline missed by chance."""


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

    @property
    def metric_name(self) -> str:
        """`new_value_share`: the share of rows with a value the baseline lacks."""
        return "new_value_share"

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

    A baseline is a sample: a rare value it happened to miss shows up as "new". So an alert
    also needs more new rows than that explains (`unseen_check`): a long-tail column with a
    short baseline does not page on its rarest values, a brand-new category does.
    """
    min_share = cfg.min_share
    fields = [f for f in columns_of(cfg, ctx) if not f.is_numeric]
    results = []
    for f, seg in iter_targets(cfg, ctx, fields):
        p = values_partial(f, cfg.max_values)
        focal = ctx.values(ctx.focal, seg).get(p)
        total = sum(focal.values())
        if ctx.baseline is None or not total:
            results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric=cfg.metric_name,
                                       value=None, verdict=None, baseline=ctx.baseline,
                                       reason=f"{f.name} has no values in the window"))
            continue
        base = ctx.values(ctx.baseline, seg).get(p)
        if not sum(base.values()):
            results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric=cfg.metric_name,
                                       value=None, verdict=None, baseline=ctx.baseline,
                                       reason=f"{f.name} has no values in the baseline (all NULL), so no "
                                              "value can be told new; missing_values watches NULLs"))
            continue
        base_cut, focal_cut = bool(base.get(OTHER)), bool(focal.get(OTHER))
        known = {k for k, v in base.items() if v and k != OTHER}
        unlisted = {k: v for k, v in focal.items() if k != OTHER and v and k not in known}
        new = {} if base_cut else unlisted
        lower = sum(new.values()) / total
        upper = (sum(unlisted.values()) + focal.get(OTHER, 0)) / total
        verdict = above(lower, min_share, "allowed share")
        reason = verdict.reason
        extra: dict[str, Any] = {"new_values": sorted(new)[:20]}
        if new:
            chance, why = unseen_check(base, total, new)
            extra.update(chance)
            if verdict.fired and chance["p_value"] > NEW_VALUES_ALPHA:
                verdict = Verdict(False, verdict.threshold, f"{reason}, but {why}")
                reason = verdict.reason
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
        results.append(make_result(cfg, ctx, column=f.name, segment=seg, metric=cfg.metric_name,
                                   value=lower, verdict=verdict, baseline=ctx.baseline, extra=extra))
    return results


def unseen_check(base: dict[str, int], focal_rows: int, new: dict[str, int]) -> tuple[dict[str, float], str]:
    """How likely the window's new values are ones the baseline missed by chance.

    Good-Turing: a sample misses about N1 values of a second sample of its size, N1 the
    values it saw exactly once (a column whose values all recur misses none; a long tail
    misses a few). Two tests, corrected for that:

    - one value: with no change, a value's rows fall in the window or the baseline in
      proportion to their sizes, so a value with c rows in the window has none in the
      baseline with probability q^c, q = n_f / (n_f + n_b) (exact given its c rows);
      p1 = min(1, (N1 + 1) q^c) for the largest c;
    - many values: the number D of distinct new values vs Poisson(m), m = (N1 + 1) x
      max(1, n_f / n_b): p2 = P(Poisson(m) >= D).

    p = min(p1, p2). `base` holds at least one row, so 0 < q < 1. Returns ({unseen_once,
    rows_needed, p_value}, the reason when p > NEW_VALUES_ALPHA)."""
    n_b = sum(base.values())
    once = sum(1 for k, v in base.items() if k != OTHER and v == 1)
    c = max(new.values())
    q = focal_rows / (focal_rows + n_b)
    p1 = min(1.0, (once + 1) * q ** c)
    p2 = poisson_at_least(len(new), (once + 1) * max(1.0, focal_rows / n_b))
    p = min(p1, p2)
    needed = math.ceil(math.log(NEW_VALUES_ALPHA / (once + 1)) / math.log(q))
    why = (f"{len(new):,} new value(s), the most frequent with {c:,} row(s): too few to tell from "
           f"rare values the baseline missed by chance (a baseline of {n_b:,} rows that saw {once:,} "
           f"value(s) only once needs {needed:,} rows of one value: p = {p:.2g} > {NEW_VALUES_ALPHA:g}); "
           "a longer baseline sees more of a long tail")
    return {"unseen_once": once, "rows_needed": needed, "p_value": p}, why


MONITOR = MonitorType(NewValuesMonitor, evaluate, requests)
