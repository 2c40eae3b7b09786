"""Monitors in `telltale.yml`: the discriminated union of every monitor type's config class.

Each class lives beside its implementation in `telltale.monitors.<type>`, and the union is
built from the one list in `telltale.monitors.registry`; this module names them for the
rest of the config package.
"""

from __future__ import annotations

from telltale.monitors.base import ColumnsMixin, MonitorBase
from telltale.monitors.custom_metric import CustomMetricMonitor
from telltale.monitors.data_drift import DataDriftMonitor
from telltale.monitors.estimated_performance import EstimatedPerformanceMonitor
from telltale.monitors.drift import DRIFT_DEFAULT_THRESHOLDS, NUMERIC_ONLY_METHODS, DriftMonitorBase
from telltale.monitors.metric_change import MetricChangeMonitor
from telltale.monitors.missing_values import MissingValuesMonitor
from telltale.monitors.model_activity import ModelActivityMonitor
from telltale.monitors.model_staleness import ModelStalenessMonitor
from telltale.monitors.new_values import NewValuesMonitor
from telltale.monitors.performance_degradation import PerformanceDegradationMonitor
from telltale.monitors.prediction_drift import PredictionDriftMonitor
from telltale.monitors.registry import COLUMN_MONITORS, MONITOR_TYPES, Monitor
from telltale.monitors.value_range import ValueRangeMonitor

__all__ = [
    "COLUMN_MONITORS", "DRIFT_DEFAULT_THRESHOLDS", "MONITOR_TYPES", "NUMERIC_ONLY_METHODS",
    "ColumnsMixin", "CustomMetricMonitor", "DriftMonitorBase", "DataDriftMonitor", "EstimatedPerformanceMonitor", "MetricChangeMonitor",
    "MissingValuesMonitor", "ModelActivityMonitor", "ModelStalenessMonitor", "Monitor", "MonitorBase",
    "NewValuesMonitor", "PerformanceDegradationMonitor", "PredictionDriftMonitor", "ValueRangeMonitor",
]
