"""Typed rows going in and out of the state store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, NamedTuple


@dataclass(frozen=True)
class RunRecord:
    """One `telltale run` (or scheduler tick)."""

    run_id: str
    started_at: datetime
    at: datetime
    status: str                       # running, then whatever finish_run sets
    finished_at: datetime | None = None
    exit_code: int | None = None
    summary: dict[str, Any] | None = None


@dataclass(frozen=True)
class PartialRow:
    """The value of one partial for one time bucket and segment."""

    bucket_start: datetime
    segment_key: str                  # "" = all rows, else "col=value,..."
    partial_key: str                  # Partial.key
    value: Any                        # int | float | None | dict (int, str or tuple keys)
    final: bool = False               # True when the bucket will not change any more


BucketSegment = tuple[datetime, str]


@dataclass(frozen=True)
class StoredPartials:
    """Partials read back for a time range: values per (bucket, segment) and their finality."""

    values: dict[BucketSegment, dict[str, Any]]
    final: frozenset[tuple[datetime, str, str]] = frozenset()   # (bucket, segment, partial_key)

    def is_final(self, bucket: datetime, segment_key: str, partial_key: str) -> bool:
        """True when that stored value is marked final."""
        return (bucket, segment_key, partial_key) in self.final

    def buckets(self) -> set[datetime]:
        """Every bucket that has at least one stored value."""
        return {b for b, _ in self.values}

    def final_buckets(self, partial_keys: Iterable[str]) -> set[datetime]:
        """Buckets where every given partial is stored and every stored row of it is final.

        Those buckets need no pushdown; the others must be (re)computed.
        """
        keys = set(partial_keys)
        seen: dict[datetime, set[str]] = {}
        not_final: set[datetime] = set()
        for (bucket, seg), vals in self.values.items():
            for key in keys.intersection(vals):
                seen.setdefault(bucket, set()).add(key)
                if (bucket, seg, key) not in self.final:
                    not_final.add(bucket)
        return {b for b, ks in seen.items() if ks >= keys and b not in not_final}


@dataclass(frozen=True)
class MetricPoint:
    """One evaluated value kept for history, anomaly detection and the dashboard."""

    run_id: str
    at: datetime
    model: str
    monitor: str
    column: str | None
    segment_key: str
    metric: str
    value: float | None
    status: str
    window_start: datetime | None = None
    window_end: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class AlertKey(NamedTuple):
    """What identifies an alert while it is open: monitor, model, column and segment."""

    monitor: str
    model: str
    column: str                       # "" for model-level monitors
    segment_key: str


@dataclass(frozen=True)
class AlertRecord:
    """The state of one alert (open or resolved)."""

    alert_id: str
    monitor: str
    model: str
    column: str                       # "" for model-level monitors
    segment_key: str
    status: str                       # open | resolved
    severity: str
    opened_at: datetime
    resolved_at: datetime | None = None
    fired_at: datetime | None = None  # when its firing notice was queued (None: suppressed)
    suppressed: str | None = None     # cooldown | daily_cap while the firing notice is held
    last_value: float | None = None
    last_run_id: str | None = None
    last_sent_at: datetime | None = None
    payload: dict[str, Any] | None = None
    project: str | None = None        # the `project:` name of the config that opened it
    resolved_reason: str | None = None  # why it resolved, when not a run finding it ok

    @property
    def key(self) -> AlertKey:
        """The (monitor, model, column, segment_key) key."""
        return AlertKey(self.monitor, self.model, self.column, self.segment_key)


@dataclass(frozen=True)
class OutboxMessage:
    """A notice to queue: one alert status change for one channel."""

    alert_id: str
    channel: str
    status: str                       # firing | update | resolved
    body: str                         # the exact JSON text to send
    created_at: datetime
    key: str | None = None            # the idempotency key when not `<alert id>:<status>`

    @property
    def idempotency_key(self) -> str:
        """`<alert id>:<status>` (updates: their own key): unique per channel, so a notice is
        queued at most once."""
        return self.key or f"{self.alert_id}:{self.status}"


@dataclass(frozen=True)
class OutboxRow:
    """A queued notice as stored, with its delivery state."""

    id: int
    alert_id: str
    channel: str
    status: str
    idempotency_key: str
    body: str
    created_at: datetime
    attempts: int = 0
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    last_error: str | None = None
    claimed_by: str | None = None
    lease_until: datetime | None = None

    @property
    def payload(self) -> dict[str, Any]:
        """The body parsed as JSON."""
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    @property
    def delivered(self) -> bool:
        """True once a channel accepted it."""
        return self.delivered_at is not None
