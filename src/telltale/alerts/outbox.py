"""Delivery of queued notices: retries now, keeps what failed for the next run.

Guarantees (see docs/alerts.md):
- nothing is lost: a notice stays pending until a channel accepts it; a failure records
  `attempts`, `last_error` and `next_attempt_at`, and a later call tries again;
- nothing is sent twice once marked delivered: a notice is claimed, sent and marked in
  one transaction (a crash between a channel's accept and the commit can repeat it; the
  `Idempotency-Key` header lets the receiver drop that repeat);
- order: by queue id; a notice never overtakes an earlier pending one of the same alert
  on the same channel (no `resolved` before its `firing`).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from tenacity import Retrying, retry_if_exception, stop_after_attempt, stop_before_delay, wait_exponential

from telltale.alerts.channels.base import AlertMessage, Channel
from telltale.errors import ChannelError
from telltale.store import OutboxRow, Store
from telltale.core.timeutil import UTC, to_utc


@dataclass(frozen=True)
class RetrySettings:
    """Retry budget: quick retries inside one delivery, then a backoff between runs.

    Within one call a notice is tried up to `attempts` times, waiting `initial_wait`,
    doubling up to `max_wait`, never starting a try after `max_seconds`. If it still
    fails, it waits `requeue_base * 2**(attempts so far - 1)` (at most `requeue_max`)
    before a later call tries it again.
    """

    attempts: int = 3
    initial_wait: float = 0.5
    max_wait: float = 2.0
    max_seconds: float = 5.0
    requeue_base: timedelta = timedelta(minutes=1)
    requeue_max: timedelta = timedelta(hours=1)
    sleep: Callable[[float], None] = time.sleep

    def next_attempt(self, now: datetime, attempts: int) -> datetime:
        """When a notice that failed `attempts` times may be tried again."""
        delay: timedelta = self.requeue_base * (1 << max(0, min(attempts - 1, 20)))
        return now + min(delay, self.requeue_max)


@dataclass
class DeliveryReport:
    """What one delivery pass did, with the counts Prometheus exports.

    `sent[(channel, status)]` -> telltale_alerts_sent_total{channel,status};
    `failed[channel]` -> telltale_alert_delivery_failures_total{channel}.
    """

    sent: Counter[tuple[str, str]] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    deferred: int = 0                                   # not due yet, or behind a failed notice
    unknown_channel: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)
    """One entry per notice looked at: channel, alert, notice (firing|resolved), status
    (sent|failed|pending), error and retry_at (the `delivery` list of `run --json`)."""

    def note(self, row: OutboxRow, status: str, error: str | None = None,
             retry_at: datetime | None = None) -> None:
        """Record what happened to one notice."""
        from telltale.core.timeutil import iso

        self.notices.append({"channel": row.channel, "alert": row.alert_id, "notice": row.status,
                             "status": status, "error": error, "retry_at": iso(retry_at)})

    @property
    def sent_total(self) -> int:
        """Notices delivered in this pass."""
        return sum(self.sent.values())

    @property
    def failed_total(self) -> int:
        """Notices that failed in this pass (they stay pending)."""
        return sum(self.failed.values())

    def as_json(self) -> dict[str, Any]:
        """A JSON-able summary (for run summaries and logs)."""
        return {"sent": [{"channel": c, "status": s, "count": n} for (c, s), n in sorted(self.sent.items())],
                "failed": dict(sorted(self.failed.items())), "deferred": self.deferred,
                "unknown_channel": dict(sorted(self.unknown_channel.items())), "errors": list(self.errors),
                "notices": list(self.notices)}


def message_of(row: OutboxRow) -> AlertMessage:
    """The channel-facing message of a stored notice (the body bytes exactly as queued)."""
    return AlertMessage(alert_id=row.alert_id, status=row.status, payload=json.loads(row.body),
                        body=row.body.encode("utf-8"))


def send_with_retry(channel: Channel, message: AlertMessage, settings: RetrySettings) -> None:
    """`channel.send` with quick retries (tenacity); re-raises the last ChannelError."""
    retrying = Retrying(
        stop=stop_after_attempt(max(1, settings.attempts)) | stop_before_delay(settings.max_seconds),
        wait=wait_exponential(multiplier=settings.initial_wait, max=settings.max_wait),
        retry=retry_if_exception(lambda e: isinstance(e, ChannelError) and getattr(e, "retryable", True)),
        sleep=settings.sleep, reraise=True)
    retrying(channel.send, message)


def deliver_pending(store: Store, channels: Mapping[str, Channel], now: datetime | None = None,
                    settings: RetrySettings | None = None, *, due_only: bool = True) -> DeliveryReport:
    """Try every pending notice that is due, oldest first; return what happened.

    A channel that fails is not tried again in this pass (its later notices wait). With
    `due_only=False`, notices are tried even before their `next_attempt_at`.
    """
    settings = settings or RetrySettings()
    now = to_utc(now or datetime.now(UTC))
    report = DeliveryReport()
    down: set[str] = set()
    held: set[tuple[str, str]] = set()              # (channel, alert) with an earlier notice pending
    for row in store.pending_outbox():
        lane = (row.channel, row.alert_id)
        channel = channels.get(row.channel)
        if channel is None:
            report.unknown_channel[row.channel] += 1
            report.note(row, "pending", f"no usable channel named '{row.channel}' in `alerts:`")
            held.add(lane)
            continue
        if row.channel in down or lane in held or (
                due_only and row.next_attempt_at is not None and row.next_attempt_at > now):
            report.deferred += 1
            why = ("the channel failed earlier in this pass" if row.channel in down else
                   "an earlier notice of this alert is still pending" if lane in held else
                   row.last_error)
            report.note(row, "pending", why, row.next_attempt_at)
            held.add(lane)
            continue
        if not _deliver_one(store, channel, row.id, now, settings, report):
            down.add(row.channel)
            held.add(lane)
    return report


def _deliver_one(store: Store, channel: Channel, message_id: int, now: datetime,
                 settings: RetrySettings, report: DeliveryReport) -> bool:
    """Claim, send and mark one notice in one transaction; False when the channel failed."""
    with store.claim_outbox(message_id) as claim:
        if claim is None:                           # delivered meanwhile by another process
            return True
        row = claim.row
        try:
            send_with_retry(channel, message_of(row), settings)
        except Exception as exc:                    # noqa: BLE001 - a broken channel must not lose notices
            error = str(exc) if isinstance(exc, ChannelError) else f"{type(exc).__name__}: {exc}"
            retry_at = settings.next_attempt(now, row.attempts)
            claim.failed(error, retry_at)
            report.failed[row.channel] += 1
            report.errors.append(f"{row.channel}: {row.idempotency_key}: {error}")
            report.note(row, "failed", error, retry_at)
            return False
        claim.delivered(now)
        report.sent[(row.channel, row.status)] += 1
        report.note(row, "sent")
        return True
