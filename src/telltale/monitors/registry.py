"""Monitor types as a table: type -> (what summaries it needs, how it evaluates them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from telltale.monitors import activity, drift, metrics, quality
from telltale.monitors.context import EvalContext
from telltale.planner.partials import Partial
from telltale.runner.results import MonitorResult


@dataclass(frozen=True)
class MonitorType:
    """How one monitor type asks for summaries and turns them into results."""

    requests: Callable[[Any, EvalContext], set[Partial]]
    evaluate: Callable[[Any, EvalContext], list[MonitorResult]]
    needs_baseline: bool = False


MONITOR_TYPES: dict[str, MonitorType] = {
    "data_drift": MonitorType(drift.requests, drift.evaluate, needs_baseline=True),
    "prediction_drift": MonitorType(drift.requests, drift.evaluate, needs_baseline=True),
    "missing_values": MonitorType(quality.missing_requests, quality.missing_evaluate),
    "new_values": MonitorType(quality.new_values_requests, quality.new_values_evaluate, needs_baseline=True),
    "value_range": MonitorType(quality.range_requests, quality.range_evaluate),
    "model_activity": MonitorType(activity.requests, activity.evaluate),
    "metric_change": MonitorType(metrics.change_requests, metrics.change_evaluate),
    "custom_metric": MonitorType(metrics.metric_requests, metrics.metric_evaluate),
    "performance_degradation": MonitorType(metrics.metric_requests, metrics.metric_evaluate),
}


def monitor_type(name: str) -> MonitorType | None:
    """The implementation of a monitor type, or None when it comes in a later release."""
    return MONITOR_TYPES.get(name)
