"""prediction_drift: distance between the window's and the baseline's distribution of each
prediction."""

from __future__ import annotations

from typing import ClassVar, Literal

from telltale.core.fields import FieldGroup
from telltale.monitors import drift
from telltale.monitors.base import MonitorType


class PredictionDriftMonitor(drift.DriftMonitorBase):
    """Distance between the window's and the baseline's distribution of each prediction."""

    type: Literal["prediction_drift"]
    column_groups: ClassVar[tuple[FieldGroup, ...]] = ("predictions",)
    qualified_groups: ClassVar[tuple[FieldGroup, ...]] = ("predictions",)


MONITOR = MonitorType(PredictionDriftMonitor, drift.evaluate, drift.requests)
