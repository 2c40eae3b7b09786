"""Monitor types as a table: type -> (what summaries it needs, how it evaluates them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from telltale.monitors import activity, drift, metrics, quality, staleness
from telltale.monitors.common import row_requests
from telltale.monitors.context import EvalContext
from telltale.core.partials import Partial
from telltale.core.results import MonitorResult
from telltale.planner.queries import PlannedQuery
from telltale.planner.spec import ModelSpec


@dataclass(frozen=True)
class MonitorType:
    """How one monitor type asks for summaries and turns them into results."""

    requests: Callable[[Any, EvalContext], set[Partial]]
    evaluate: Callable[[Any, EvalContext], list[MonitorResult]]
    needs_baseline: bool = False


@dataclass(frozen=True)
class DirectMonitorType:
    """A monitor type that reads the warehouse with a query of its own instead of summaries
    (model_staleness): `query` is what `compile` prints, `evaluate` runs it through `execute`."""

    query: Callable[[Any, EvalContext, ModelSpec, Any], PlannedQuery]
    evaluate: Callable[[Any, EvalContext, ModelSpec, Any, Callable[[PlannedQuery], Any]], list[MonitorResult]]


def _counting(requests: Callable[[Any, EvalContext], set[Partial]]) -> Callable[[Any, EvalContext], set[Partial]]:
    """`requests` plus the row count that `min_rows` and the no-rows checks read (common.make_result)."""

    def with_rows(cfg: Any, ctx: EvalContext) -> set[Partial]:
        return requests(cfg, ctx) | row_requests(cfg)

    with_rows.__doc__ = requests.__doc__
    return with_rows


MONITOR_TYPES: dict[str, MonitorType | DirectMonitorType] = {
    "data_drift": MonitorType(_counting(drift.requests), drift.evaluate, needs_baseline=True),
    "prediction_drift": MonitorType(_counting(drift.requests), drift.evaluate, needs_baseline=True),
    "missing_values": MonitorType(_counting(quality.missing_requests), quality.missing_evaluate),
    "new_values": MonitorType(_counting(quality.new_values_requests), quality.new_values_evaluate,
                              needs_baseline=True),
    "value_range": MonitorType(_counting(quality.range_requests), quality.range_evaluate),
    "model_activity": MonitorType(_counting(activity.requests), activity.evaluate),
    "model_staleness": DirectMonitorType(staleness.query, staleness.evaluate),
    "metric_change": MonitorType(_counting(metrics.change_requests), metrics.change_evaluate),
    "custom_metric": MonitorType(_counting(metrics.metric_requests), metrics.metric_evaluate),
    "performance_degradation": MonitorType(_counting(metrics.metric_requests), metrics.metric_evaluate),
}


def monitor_type(name: str) -> MonitorType | DirectMonitorType | None:
    """The implementation of a monitor type, or None when it comes in a later release."""
    return MONITOR_TYPES.get(name)
