"""Every kind of plug-in is registered: monitor, channel and connection types of the config
have an implementation (or a clear "not yet"), and the monitor types match docs/monitors.md.

Monitor types are registered in one place: `monitors.registry.MONITORS`, from which both the
config union and the registry are built."""

from __future__ import annotations

import re
import sys
import typing
from pathlib import Path

from pydantic import TypeAdapter

from telltale.alerts.channels import CHANNEL_TYPES as CHANNEL_IMPLEMENTATIONS
from telltale.config import MONITOR_TYPES
from telltale.config.alerts import CHANNEL_TYPES
from telltale.config.monitors import Monitor
from telltale.monitors import registry
from telltale.monitors.base import MonitorBase, MonitorType
from telltale.monitors.registry import MONITORS, REGISTRY, implementation, monitor_type

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


def test_the_config_union_and_the_registry_are_the_one_list() -> None:
    union = tuple(typing.get_args(typing.get_args(Monitor)[0]))
    assert union == tuple(m.config for m in MONITORS)
    assert tuple(REGISTRY) == MONITOR_TYPES == tuple(m.name for m in MONITORS)
    assert len(set(MONITOR_TYPES)) == len(MONITORS)        # one registration per type


def test_every_config_monitor_type_has_one_implementation() -> None:
    for name, impl in REGISTRY.items():
        assert isinstance(impl, MonitorType) and issubclass(impl.config, MonitorBase)
        assert impl.config.model_fields["type"].annotation == typing.Literal[name]
        assert callable(impl.evaluate)
        # a type reads summaries, or the warehouse through its query hook: exactly one
        assert (impl.requests is None) != (impl.query is None), name
        assert (impl.query is not None) == (name in DIRECT)


def test_each_config_class_lives_beside_its_implementation() -> None:
    for impl in MONITORS:
        module = sys.modules[impl.config.__module__]
        assert module.__name__ == f"telltale.monitors.{impl.name}"
        assert module.MONITOR is impl


def test_a_validated_monitor_finds_its_implementation() -> None:
    cfg = TypeAdapter(Monitor).validate_python({"name": "d", "model": "m", "type": "model_staleness",
                                                "max_age": "2d"})
    assert implementation(cfg) is REGISTRY["model_staleness"] and implementation(cfg).config is type(cfg)


def test_no_monitor_module_registers_a_type_outside_the_list() -> None:
    """Every `MONITOR = MonitorType(...)` of the monitors package is in the one list."""
    package = Path(registry.__file__).parent
    defined = {p.stem for p in package.glob("*.py") if "\nMONITOR = MonitorType(" in p.read_text()}
    assert defined == set(MONITOR_TYPES)


def test_an_unknown_monitor_type_has_no_implementation() -> None:
    assert monitor_type("no_such_monitor") is None


def test_baseline_monitors_are_marked() -> None:
    adapter = TypeAdapter(Monitor)
    base = {"model": "m", "name": "x"}
    compare = {t for t in ("data_drift", "prediction_drift", "new_values")
               if adapter.validate_python({**base, "type": t}).compares_with_baseline}
    assert compare == {"data_drift", "prediction_drift", "new_values"}
    margin = adapter.validate_python({**base, "type": "value_range", "margin": 0.1})
    bounds = adapter.validate_python({**base, "type": "value_range", "detection": {"absolute": {"max": 1}}})
    change = adapter.validate_python({**base, "type": "model_activity", "detection": {"change": {"percent": 5}}})
    absolute = adapter.validate_python({**base, "type": "model_activity", "detection": {"absolute": {"max": 5}}})
    assert margin.compares_with_baseline and not bounds.compares_with_baseline
    assert change.compares_with_baseline and not absolute.compares_with_baseline


def test_channel_types_match_their_implementations() -> None:
    assert set(CHANNEL_IMPLEMENTATIONS) == set(CHANNEL_TYPES)


def test_every_channel_type_is_one_registration() -> None:
    from telltale.alerts.channels import CHANNELS

    assert [spec.type for spec in CHANNELS] == list(CHANNEL_TYPES)
    assert len(set(CHANNEL_TYPES)) == len(CHANNEL_TYPES)


