"""Alerts: lifecycle (open, keep, resolve), payload, outbox delivery and channels.

A run calls, in order::

    outcome = apply_results(store, results, policies, run_id=run_id, now=now)
    channels, errors = usable_channels(config_alerts)     # or build_channels: strict
    report = deliver_pending(store, channels, now)
"""

from __future__ import annotations

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

__all__ = [
    "FIELDS", "PAYLOAD_VERSION", "AlertMessage", "AlertPolicy", "AlertTransition", "Channel",
    "DeliveryError", "DeliveryReport", "LifecycleOutcome", "RetrySettings", "alert_id_for", "alert_key",
    "apply_results", "build_channel", "build_channels", "build_payload", "canonical_json",
    "deliver_pending", "send_test_alert", "usable_channels",
]
