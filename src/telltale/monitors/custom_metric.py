"""custom_metric: a metric written in the metric language (or a built-in), vs a detection."""

from __future__ import annotations

from typing import Literal

from telltale.monitors import dsl_metric
from telltale.monitors.base import MonitorType


class CustomMetricMonitor(dsl_metric.MetricMonitorBase):
    """A metric written in the metric language (or a built-in)."""

    type: Literal["custom_metric"]


MONITOR = MonitorType(CustomMetricMonitor, dsl_metric.evaluate, dsl_metric.requests)
