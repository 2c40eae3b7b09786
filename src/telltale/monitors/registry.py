"""The one list of monitor types. The config union `Monitor` (what `telltale.yml` accepts) and
the registry the runner looks implementations up in are both built from it, so a type is
registered once: its config class and its implementation together."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Field

from telltale.monitors import (custom_metric, data_drift, estimated_performance, metric_change,
                               missing_values, model_activity, model_staleness, new_values,
                               performance_degradation, prediction_drift, value_range)
from telltale.monitors.base import MonitorBase, MonitorType

MONITORS: tuple[MonitorType[Any], ...] = (
    data_drift.MONITOR, prediction_drift.MONITOR, missing_values.MONITOR, new_values.MONITOR,
    value_range.MONITOR, model_activity.MONITOR, model_staleness.MONITOR, metric_change.MONITOR,
    performance_degradation.MONITOR, custom_metric.MONITOR, estimated_performance.MONITOR,
)
"""Every monitor type, in the order of the config union (and of the docs)."""

REGISTRY: dict[str, MonitorType[Any]] = {m.name: m for m in MONITORS}
"""Monitor types by their `type` name."""

MONITOR_TYPES: tuple[str, ...] = tuple(REGISTRY)
"""Every monitor type name, in the order of the union."""

if TYPE_CHECKING:
    Monitor = MonitorBase
else:
    Monitor = Annotated[Union[tuple(m.config for m in MONITORS)], Field(discriminator="type")]
"""Any monitor, chosen by its `type` (for type checkers: a MonitorBase)."""

COLUMN_MONITORS: tuple[type[MonitorBase], ...] = tuple(
    m.config for m in MONITORS if "columns" in m.config.model_fields)
"""Monitor classes that take `columns`."""


def monitor_type(name: str) -> MonitorType[Any] | None:
    """The registered monitor type named `name`, or None."""
    return REGISTRY.get(name)


def implementation(cfg: MonitorBase) -> MonitorType[Any]:
    """The monitor type of a validated monitor config."""
    return REGISTRY[cfg.type_name]
