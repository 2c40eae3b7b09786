"""model_activity: how many predictions the model made in the window."""

from __future__ import annotations

from typing import Literal

from telltale.core.partials import Partial, PartialValues, count_rows
from telltale.core.results import MonitorResult
from telltale.monitors.base import DetectionMonitor, MonitorType
from telltale.monitors.common import detect, make_result, segments_for
from telltale.monitors.context import EvalContext


class ModelActivityMonitor(DetectionMonitor):
    """Number of rows (predictions) in the window."""

    type: Literal["model_activity"]

    @property
    def metric_name(self) -> str:
        """`count`: rows in the window."""
        return "count"


def requests(cfg: ModelActivityMonitor, ctx: EvalContext) -> set[Partial]:
    """Just the row count."""
    return {count_rows()}


def _rows(v: PartialValues) -> float:
    return float(v.get(count_rows()))


def evaluate(cfg: ModelActivityMonitor, ctx: EvalContext) -> list[MonitorResult]:
    """Rows in the window vs the detection (change compares with the baseline's rows per window)."""
    results = []
    for seg in segments_for(cfg, ctx):
        value = _rows(ctx.values(ctx.focal, seg))
        verdict, base_rng, extra = detect(cfg, ctx, _rows, value, seg, extensive=True)
        results.append(make_result(cfg, ctx, column=None, segment=seg, metric=cfg.metric_name, value=value,
                                   verdict=verdict, baseline=base_rng, extra=extra))
    return results


MONITOR = MonitorType(ModelActivityMonitor, evaluate, requests)
