"""The one hook between a run and its alerts: lifecycle, delivery, metric export, report.

The runner calls `alert_run(...)` once after storing a run's results; `retry(...)` is
`telltale alerts retry`. Both report every notice they looked at (sent, failed with the
reason, pending until when), including notices for channels no longer in the config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping, Sequence

from telltale.alerts.channels import Channel, ChannelConfig, usable_channels
from telltale.alerts.lifecycle import apply_results
from telltale.alerts.metrics import export_results
from telltale.alerts.noise import AlertPolicy
from telltale.alerts.outbox import RetrySettings, deliver_pending
from telltale.alerts.retire import ProjectScope, retire_removed
from telltale.core.results import MonitorResult
from telltale.store import Store


@dataclass
class RunAlerts:
    """What the alerts step of a run did: the `alerts` and `delivery` of `run --json`."""

    alerts: list[dict[str, Any]] = field(default_factory=list)
    delivery: dict[str, Any] = field(default_factory=dict)
    history_only: dict[int, str] = field(default_factory=dict)
    """Index in the results -> why that result of an old window changed no alert."""


def policies_of(monitors: Iterable[Any]) -> dict[str, AlertPolicy]:
    """Each monitor's AlertPolicy (`notify`, `cooldown`, `daily_cap`), by name."""
    return {m.name: AlertPolicy.of(m.notify, m.cooldown, m.daily_cap) for m in monitors}


def update_intervals(channels: Mapping[str, Channel]) -> dict[str, timedelta]:
    """The channels that take `update` notices, with their minimum interval."""
    return {name: every for name, ch in channels.items()
            if (every := getattr(ch, "update_every", None)) is not None}


def alert_run(store: Store, results: Sequence[MonitorResult], monitors: Iterable[Any],
              channel_configs: Mapping[str, ChannelConfig], *, run_id: str, at: datetime, now: datetime,
              dashboard_url: str | None = None, settings: RetrySettings | None = None,
              scope: ProjectScope | None = None) -> RunAlerts:
    """Move alerts through their lifecycle, deliver the outbox and export metrics; report it all.

    A run is an explicit attempt: every pending notice is tried, backoff or not (the
    backoff paces the scheduler's retries between runs). With the project's `scope`, the
    alerts it opens carry its name, and its open alerts whose monitor left the
    configuration are resolved (`alerts.retire`).
    """
    channels, errors = usable_channels(channel_configs)
    outcome = apply_results(store, results, policies_of(monitors), run_id=run_id, now=now,
                            updates=update_intervals(channels), project=scope.name if scope else None)
    if scope is not None:
        outcome.transitions += retire_removed(store, scope, run_id=run_id, now=now)
    report = deliver_pending(store, channels, now, settings, due_only=False, dashboard_url=dashboard_url)
    delivery = report.as_json()
    delivery["notices"] += export_results(channels, results, at, now)
    if errors:
        delivery["channel_errors"] = dict(errors)
    return RunAlerts(outcome.as_json(), delivery, outcome.history_only)


def retry(store: Store, channel_configs: Mapping[str, ChannelConfig], *, now: datetime,
          dashboard_url: str | None = None, settings: RetrySettings | None = None) -> dict[str, Any]:
    """Deliver every pending notice now (`telltale alerts retry`); the delivery report."""
    channels, errors = usable_channels(channel_configs)
    delivery = deliver_pending(store, channels, now, settings, due_only=False,
                               dashboard_url=dashboard_url).as_json()
    if errors:
        delivery["channel_errors"] = dict(errors)
    return delivery
