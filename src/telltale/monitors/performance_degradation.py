"""performance_degradation: a performance metric (f1, auc_roc, rmse, or a DSL metric) over the
window's labelled rows, vs a detection."""

from __future__ import annotations

from typing import ClassVar, Literal

from telltale.monitors import dsl_metric
from telltale.monitors.base import MonitorType


class PerformanceDegradationMonitor(dsl_metric.MetricMonitorBase):
    """A performance metric (f1, auc_roc, rmse, or a DSL metric) over labelled rows."""

    type: Literal["performance_degradation"]
    labelled_rows: ClassVar[bool] = True


MONITOR = MonitorType(PerformanceDegradationMonitor, dsl_metric.evaluate, dsl_metric.requests)
