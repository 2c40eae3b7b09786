"""`telltale alerts test CHANNEL`: send one synthetic alert straight to a channel."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta

from telltale.alerts.channels.base import AlertMessage, Channel
from telltale.alerts.payload import PAYLOAD_VERSION, canonical_json, json_safe
from telltale.core.timeutil import UTC, TimeRange, floor_time, iso, to_utc

TEST_MONITOR = "telltale test"


def make_test_message(now: datetime | None = None, dashboard_url: str | None = None) -> AlertMessage:
    """A synthetic `firing` alert of monitor "telltale test" (a fresh id each time)."""
    now = to_utc(now or datetime.now(UTC))
    day = floor_time(now, timedelta(days=1))
    window = TimeRange(day - timedelta(days=1), day)
    alert_id = "test_" + hashlib.sha256(now.isoformat().encode()).hexdigest()[:24]
    payload = json_safe({
        "version": PAYLOAD_VERSION, "id": alert_id, "status": "firing", "severity": "low",
        "monitor": TEST_MONITOR, "model": "telltale", "type": "test", "column": None, "segment": None,
        "metric": "test", "value": 1.0, "threshold": {"max": 0.0}, "window": window.as_json(),
        "baseline": None, "fired_at": iso(now),
        "message": "This is a test alert from telltale. If you can read it, the channel works.",
    })
    return AlertMessage(alert_id=alert_id, status="firing", payload=payload, body=canonical_json(payload),
                        dashboard_url=dashboard_url)


def send_test_alert(channel: Channel, now: datetime | None = None, dashboard_url: str | None = None) -> None:
    """Send a test alert once, without the outbox; raise ChannelError if the channel fails.

    A channel with `resolve_test` (PagerDuty) is sent its resolve right after."""
    message = make_test_message(now, dashboard_url)
    channel.send(message)
    if getattr(channel, "resolve_test", False):      # leave no open incident behind (PagerDuty)
        channel.send(replace(message, status="resolved"))


