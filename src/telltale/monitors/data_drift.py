"""data_drift: distance between the window's and the baseline's distribution of each feature."""

from __future__ import annotations

from typing import ClassVar, Literal

from telltale.core.fields import FieldGroup
from telltale.monitors import drift
from telltale.monitors.base import MonitorType


class DataDriftMonitor(drift.DriftMonitorBase):
    """Distance between the window's and the baseline's distribution of each feature."""

    type: Literal["data_drift"]
    column_groups: ClassVar[tuple[FieldGroup, ...]] = ("features",)
    qualified_groups: ClassVar[tuple[FieldGroup, ...]] = ("features", "raw_inputs")


MONITOR = MonitorType(DataDriftMonitor, drift.evaluate, drift.requests)
