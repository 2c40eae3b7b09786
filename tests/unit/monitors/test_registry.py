"""Every kind of plug-in is registered: monitor, channel and connection types of the config
have an implementation (or a clear "not yet"), and the monitor types match docs/monitors.md."""

from __future__ import annotations

import re
from pathlib import Path

from telltale.alerts.channels import CHANNEL_TYPES as CHANNEL_IMPLEMENTATIONS
from telltale.config import MONITOR_TYPES
from telltale.config.alerts import CHANNEL_TYPES
from telltale.monitors.registry import MONITOR_TYPES as IMPLEMENTATIONS
from telltale.monitors.registry import DirectMonitorType, MonitorType, monitor_type

DOCS = Path(__file__).resolve().parents[3] / "docs" / "monitors.md"
STATUSES = {"ok", "alert", "no_data", "error"}
# Types that read the warehouse through a query hook instead of summaries.
DIRECT = {"model_staleness"}


def documented_monitor_types() -> set[str]:
    """The first column of docs/monitors.md's table of monitor types (`a`, `b` rows included)."""
    cells = re.findall(r"^\| ((?:`[a-z_]+`(?:, )?)+) \|", DOCS.read_text(), re.M)
    return {name for cell in cells for name in re.findall(r"`([a-z_]+)`", cell)} - STATUSES


def test_every_documented_monitor_type_has_a_config_class() -> None:
    documented = documented_monitor_types()
    assert {"data_drift", "prediction_drift", "custom_metric"} <= documented
    assert documented == set(MONITOR_TYPES)


def test_every_config_monitor_type_has_one_implementation() -> None:
    assert set(IMPLEMENTATIONS) == set(MONITOR_TYPES)
    for name in IMPLEMENTATIONS:
        impl = monitor_type(name)
        if name in DIRECT:
            assert isinstance(impl, DirectMonitorType) and callable(impl.query) and callable(impl.evaluate)
        else:
            assert isinstance(impl, MonitorType) and callable(impl.requests) and callable(impl.evaluate)


def test_an_unknown_monitor_type_has_no_implementation() -> None:
    assert monitor_type("no_such_monitor") is None


def test_baseline_monitors_are_marked() -> None:
    needs = {name for name, impl in IMPLEMENTATIONS.items() if isinstance(impl, MonitorType) and impl.needs_baseline}
    assert needs == {"data_drift", "prediction_drift", "new_values"}


def test_channel_types_match_their_implementations() -> None:
    assert set(CHANNEL_IMPLEMENTATIONS) == set(CHANNEL_TYPES)


def test_every_channel_type_is_one_registration() -> None:
    from telltale.alerts.channels import CHANNELS

    assert [spec.type for spec in CHANNELS] == list(CHANNEL_TYPES)
    assert len(set(CHANNEL_TYPES)) == len(CHANNEL_TYPES)


