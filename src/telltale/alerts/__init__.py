"""Alerts: lifecycle (open, keep, resolve), payload, outbox delivery and channels.

A run calls, in order::

    outcome = apply_results(store, results, policies, run_id=run_id, now=now)
    channels, errors = usable_channels(config_alerts)     # or build_channels: strict
    report = deliver_pending(store, channels, now)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each name is imported from its module on first use (PEP 562): `telltale.config` imports
# `telltale.alerts.channels` for the channels' config classes, and a run without alerts
# should not pay for the outbox (tenacity), the lifecycle and the test alert on the way.
_HOMES = {
    "AlertMessage": "channels", "Channel": "channels", "DeliveryError": "channels",
    "build_channel": "channels", "build_channels": "channels", "usable_channels": "channels",
    "AlertTransition": "lifecycle", "LifecycleOutcome": "lifecycle", "alert_id_for": "lifecycle",
    "alert_key": "lifecycle", "apply_results": "lifecycle",
    "AlertPolicy": "noise",
    "DeliveryReport": "outbox", "RetrySettings": "outbox", "deliver_pending": "outbox",
    "FIELDS": "payload", "PAYLOAD_VERSION": "payload", "build_payload": "payload", "canonical_json": "payload",
    "send_test_alert": "testalert",
}

if TYPE_CHECKING:
    from telltale.alerts.channels import (
        AlertMessage,
        Channel,
        DeliveryError,
        build_channel,
        build_channels,
        usable_channels,
    )
    from telltale.alerts.lifecycle import AlertTransition, LifecycleOutcome, alert_id_for, alert_key, apply_results
    from telltale.alerts.noise import AlertPolicy
    from telltale.alerts.outbox import DeliveryReport, RetrySettings, deliver_pending
    from telltale.alerts.payload import FIELDS, PAYLOAD_VERSION, build_payload, canonical_json
    from telltale.alerts.testalert import send_test_alert


def __getattr__(name: str) -> Any:
    """The public names above, imported from their modules when first asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'telltale.alerts' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"telltale.alerts.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "FIELDS", "PAYLOAD_VERSION", "AlertMessage", "AlertPolicy", "AlertTransition", "Channel",
    "DeliveryError", "DeliveryReport", "LifecycleOutcome", "RetrySettings", "alert_id_for", "alert_key",
    "apply_results", "build_channel", "build_channels", "build_payload", "canonical_json",
    "deliver_pending", "send_test_alert", "usable_channels",
]
