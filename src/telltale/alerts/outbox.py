"""Delivery of queued notices: retries now, keeps what failed for the next run.

Guarantees (see docs/alerts.md):
- nothing is lost: a notice stays pending until a channel accepts it; a failure records
  `attempts`, `last_error` and `next_attempt_at`, and a later call tries again;
- nothing is sent twice once marked delivered: a notice is claimed with a lease (a short
  transaction), sent with no store lock held, then marked delivered; a second process
  skips a notice under a live lease. A crash between a channel's accept and the record
  can repeat that one notice (the `Idempotency-Key`, JIRA's label lookup and PagerDuty's
  dedup key make the repeat harmless; see docs/alerts.md);
- order: by queue id; a notice never overtakes an earlier pending one of the same alert
  on the same channel (no `resolved` before its `firing`).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping, TypeVar

from telltale.alerts.channels.base import AlertMessage, Channel
from telltale.errors import ChannelError
from telltale.core.timeutil import UTC, doubling_wait, iso, to_utc
from telltale.store import OutboxLease, OutboxRow, Store, new_owner, owner_alive

T = TypeVar("T")


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
        return now + doubling_wait(self.requeue_base, self.requeue_max, attempts)


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
             retry_at: datetime | None = None, *, grouped: int | None = None) -> None:
        """Record what happened to one notice."""
        entry: dict[str, Any] = {"channel": row.channel, "alert": row.alert_id, "notice": row.status,
                                 "status": status, "error": error, "retry_at": iso(retry_at)}
        if grouped:
            entry["grouped"] = grouped
        self.notices.append(entry)

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


def message_of(row: OutboxRow, ref: str | None = None, dashboard_url: str | None = None) -> AlertMessage:
    """The channel-facing message of a stored notice (the body bytes exactly as queued)."""
    return AlertMessage(alert_id=row.alert_id, status=row.status, payload=json.loads(row.body),
                        body=row.body.encode("utf-8"), ref=ref, key=row.idempotency_key,
                        dashboard_url=dashboard_url)


def send_with_retry(send: Callable[[], T], settings: RetrySettings) -> T:
    """`send()` with quick retries (tenacity); re-raises the last ChannelError."""
    # imported when a notice is sent: every run passes through deliver_pending, most send nothing
    from tenacity import Retrying, retry_if_exception, stop_after_attempt, stop_before_delay, wait_exponential

    backoff = wait_exponential(multiplier=settings.initial_wait, max=settings.max_wait)

    def wait(state: Any) -> float:     # never sooner than the sink's Retry-After
        exc = state.outcome.exception() if state.outcome is not None else None
        return max(backoff(state), getattr(exc, "retry_after", None) or 0.0)

    def quick(exc: BaseException) -> bool:
        """Retry within the pass only what may pass at once, and not a sink asking for a
        longer pause than the quick retries wait (the notice is requeued after it instead)."""
        return (isinstance(exc, ChannelError) and getattr(exc, "retryable", True)
                and (getattr(exc, "retry_after", None) or 0.0) <= settings.max_wait)

    retrying = Retrying(
        stop=stop_after_attempt(max(1, settings.attempts)) | stop_before_delay(settings.max_seconds),
        wait=wait, retry=retry_if_exception(quick), sleep=settings.sleep, reraise=True)
    return retrying(send)


def deliver_pending(store: Store, channels: Mapping[str, Channel], now: datetime | None = None,
                    settings: RetrySettings | None = None, *, due_only: bool = True,
                    dashboard_url: str | None = None) -> DeliveryReport:
    """Try every pending notice that is due, oldest first; return what happened to each.

    Each notice is claimed with a lease (a short transaction), sent with no store lock
    held, then recorded. A channel that fails is not tried again in this pass (its later
    notices wait). A `grouped` channel gets its due notices of the pass as one message, or
    as several of at most its `max_group` notices each (oldest first), each recorded
    delivered as soon as it was accepted.
    With `due_only=False`, notices are tried even before their `next_attempt_at`.
    """
    settings = settings or RetrySettings()
    now = to_utc(now or datetime.now(UTC))
    report = DeliveryReport()
    pass_ = _Pass(store, channels, now, settings, report, dashboard_url)
    due: dict[str, list[OutboxRow]] = {}
    for row in store.pending_outbox():
        why, retry_at = pass_.hold(row, due_only)
        if why is not None:
            if row.channel not in channels:
                report.unknown_channel[row.channel] += 1
            else:
                report.deferred += 1
            report.note(row, "pending", why, retry_at)
            pass_.held.setdefault((row.channel, row.alert_id), retry_at)
            continue
        due.setdefault(row.channel, []).append(row)
    for name, rows in due.items():
        channel = channels[name]
        if getattr(channel, "grouped", False) and len(rows) > 1:
            size = getattr(channel, "max_group", None) or len(rows)
            for start in range(0, len(rows), size):     # a long backlog: several POSTs, in order
                chunk = [row for row in rows[start:start + size] if not pass_.waits(row, due_only)]
                if chunk:
                    pass_.send_group(channel, chunk)
        else:
            for row in rows:
                if not pass_.waits(row, due_only):
                    pass_.send_one(channel, row)
    return report


@dataclass
class _Pass:
    """One delivery pass: which channels failed, which alerts wait behind a pending notice."""

    store: Store
    channels: Mapping[str, Channel]
    now: datetime
    settings: RetrySettings
    report: DeliveryReport
    dashboard_url: str | None
    owner: str = field(default_factory=new_owner)
    down: set[str] = field(default_factory=set)
    held: dict[tuple[str, str], datetime | None] = field(default_factory=dict)
    """(channel, alert) whose earliest notice waits -> when that notice is tried again: the
    alert's later notices never overtake it, so they wait at least as long."""

    def hold(self, row: OutboxRow, due_only: bool) -> tuple[str | None, datetime | None]:
        """Why a notice waits in this pass and from when it may be tried again (`retry_at`;
        None only for a channel no longer configured), or (None, None) when it is due."""
        if row.channel not in self.channels:
            return (f"no channel named '{row.channel}' in `alerts:` (removed from the config?); "
                    "it is sent once the channel is back"), None
        if (row.channel, row.alert_id) in self.held:
            times = [t for t in (self.held[(row.channel, row.alert_id)], row.next_attempt_at) if t is not None]
            return "an earlier notice of this alert is still pending", max(times, default=None)
        if row.lease_until is not None and row.lease_until > self.clock() and owner_alive(row.claimed_by):
            return f"being sent by another telltale process ({row.claimed_by})", row.lease_until
        if due_only and row.next_attempt_at is not None and row.next_attempt_at > self.now:
            return row.last_error, row.next_attempt_at
        return None, None

    def waits(self, row: OutboxRow, due_only: bool) -> bool:
        """True (and the notice reported pending) when its channel failed earlier in this pass
        or an earlier notice of its alert is still pending: it is not sent in this pass."""
        if row.channel not in self.down and (row.channel, row.alert_id) not in self.held:
            return False
        why, retry_at = self.hold(row, due_only)
        if why is None:       # due: its channel failed in this pass; the next pass tries it
            why, retry_at = "the channel failed earlier in this pass", self.now
        self.report.deferred += 1
        self.report.note(row, "pending", why, retry_at)
        self.held.setdefault((row.channel, row.alert_id), retry_at)
        return True

    def clock(self) -> datetime:
        """The time leases are taken and judged by: now on the wall clock (never before the
        pass's `now`). A run's `now` is when it started; after minutes of queries a claim from
        it would already have expired when written, and another process would send the
        notice a second time while this one is still sending it."""
        return max(self.now, datetime.now(UTC))

    @property
    def lease(self) -> timedelta:
        """How long a claim lasts: the retry budget plus the slowest channel's timeout, with room."""
        slowest = max((float(getattr(c, "timeout", 10.0)) for c in self.channels.values()), default=10.0)
        return timedelta(seconds=self.settings.max_seconds + 2 * slowest + 60)

    def send_one(self, channel: Channel, row: OutboxRow) -> None:
        """Claim, send (with quick retries) and record one notice."""
        lease = self.store.claim_outbox(row.id, owner=self.owner, now=self.clock(), lease=self.lease)
        if lease is None:
            return                                   # delivered or claimed by another process meanwhile
        row = lease.row
        message = message_of(row, self.store.get_ref(row.alert_id, row.channel), self.dashboard_url)
        try:
            ref = send_with_retry(lambda: channel.send(message), self.settings)
        except Exception as exc:                     # noqa: BLE001 - a broken channel must not lose notices
            self._failed(lease, exc)
            return
        self.store.record_delivered(lease, self.now, ref)
        self.report.sent[(row.channel, row.status)] += 1
        self.report.note(row, "sent")

    def send_group(self, channel: Channel, rows: list[OutboxRow]) -> None:
        """Claim every row, send them as one message, record them all (before the next chunk
        of a long backlog is tried: a later chunk's failure never resends this one)."""
        leases = [lease for r in rows if (lease := self.store.claim_outbox(
            r.id, owner=self.owner, now=self.clock(), lease=self.lease)) is not None]
        if not leases:
            return
        messages = [message_of(lease.row, None, self.dashboard_url) for lease in leases]
        try:
            send_with_retry(lambda: channel.send_group(messages), self.settings)  # type: ignore[attr-defined]
        except Exception as exc:                     # noqa: BLE001
            for lease in leases:
                self._failed(lease, exc)
            return
        for lease in leases:
            self.store.record_delivered(lease, self.now, None)
            self.report.sent[(lease.row.channel, lease.row.status)] += 1
            self.report.note(lease.row, "sent", grouped=len(leases))

    def _failed(self, lease: OutboxLease, exc: Exception) -> None:
        row = lease.row
        error = str(exc) if isinstance(exc, ChannelError) else f"{type(exc).__name__}: {exc}"
        retry_at = self.settings.next_attempt(self.now, row.attempts)
        asked = getattr(exc, "retry_after", None)
        if asked is not None:   # the sink's Retry-After, when it asks for longer than the backoff
            retry_at = max(retry_at, self.now + timedelta(seconds=asked))
        self.store.record_failed(lease, error, retry_at)
        self.report.failed[row.channel] += 1
        self.report.errors.append(f"{row.channel}: {row.idempotency_key}: {error}")
        self.report.note(row, "failed", error, retry_at)
        if channel_wide(exc):
            self.down.add(row.channel)
        self.held.setdefault((row.channel, row.alert_id), retry_at)


CHANNEL_WIDE_STATUS = frozenset({401, 403, 407})
"""Refusals that every notice of the channel would get (its credentials)."""


def channel_wide(exc: Exception) -> bool:
    """Whether a failure says the channel cannot take anything now (down, slow, throttling,
    its credentials refused, a crash), so its other notices wait for the next pass; a refusal
    of this one notice (another 4xx, e.g. a JIRA issue that was deleted) holds only its
    alert's later notices, or that notice would block the channel for good."""
    if not isinstance(exc, ChannelError) or getattr(exc, "retryable", True):
        return True
    return getattr(exc, "status_code", None) in CHANNEL_WIDE_STATUS
