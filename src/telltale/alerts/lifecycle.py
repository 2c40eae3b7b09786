"""Alert lifecycle: turn a run's results into alert state changes and queued notices.

Per (monitor, model, column, segment):

- result `alert`, no open alert: open one (stable id) and queue one `firing` notice per
  channel, unless a noise control holds it (cooldown or daily cap): then the alert is
  recorded open with `suppressed` set, and its firing notice goes out on a later run
  once the hold has passed (if the alert is still open then);
- result `alert`, alert open: nothing is sent again (its last value is updated), except an
  `update` notice (new evidence: a later window) to channels that take updates (JIRA
  comments), at most once per channel's `update_every`;
- result `ok`, alert open: resolve it and queue exactly one `resolved` notice per channel
  that got its firing notice (none when the firing notice was never sent);
- result `error` or `no_data`: nothing changes;
- a result of a window older than the newest window already judged (`ok` or `alert`) for
  the same key, by any run or backfill (`run --at` an earlier time, a late-labels rerun):
  history only. It is stored with the run's other points, but it neither opens, resolves
  nor re-notifies an alert; the run reports it (`history_only`) when it would have.

Everything happens in one store transaction; notices go to the outbox and are delivered
by `telltale.alerts.outbox.deliver_pending`.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterable, Literal, Mapping, Sequence

from telltale.alerts.noise import AlertPolicy, NoiseGate
from telltale.alerts.payload import build_payload, canonical_json
from telltale.store import AlertKey, AlertRecord, OutboxMessage, Store
from telltale.core.timeutil import UTC, iso, to_utc

if TYPE_CHECKING:
    from telltale.core.results import MonitorResult

DEFAULT_POLICY = AlertPolicy()


@dataclass(frozen=True)
class AlertTransition:
    """One alert state change of a run (an entry of `run --json`'s `alerts` list)."""

    id: str
    monitor: str
    status: Literal["firing", "resolved"]
    channels: tuple[str, ...]
    model: str
    column: str | None
    segment: dict[str, Any] | None
    suppressed: str | None = None     # cooldown | daily_cap: recorded, notice held
    reason: str | None = None         # resolved for another reason than an ok result

    def as_json(self) -> dict[str, Any]:
        """`{"id", "monitor", "status", "channels", ...}`; `suppressed` only when held, `reason`
        only when it resolved because of a configuration change."""
        out: dict[str, Any] = {"id": self.id, "monitor": self.monitor, "status": self.status,
                               "channels": list(self.channels), "model": self.model,
                               "column": self.column, "segment": self.segment}
        if self.suppressed:
            out["suppressed"] = self.suppressed
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass
class LifecycleOutcome:
    """What one run changed: transitions, notices queued, alerts that simply stayed open."""

    transitions: list[AlertTransition] = field(default_factory=list)
    queued: int = 0
    still_open: list[str] = field(default_factory=list)
    history_only: dict[int, str] = field(default_factory=dict)
    """Index in the run's results -> why that `alert` result opened nothing (or that `ok`
    one resolved nothing): its window is older than the newest judged one."""

    @property
    def fired(self) -> list[AlertTransition]:
        """Transitions to firing (held ones included)."""
        return [t for t in self.transitions if t.status == "firing"]

    def as_json(self) -> list[dict[str, Any]]:
        """The `alerts` list of `run --json`."""
        return [t.as_json() for t in self.transitions]


def alert_key(result: MonitorResult) -> AlertKey:
    """The (monitor, model, column, segment_key) an alert is tracked by."""
    return AlertKey(result.monitor, result.model, result.column or "", result.segment_key)


def alert_id_for(key: AlertKey, opened_at: datetime, salt: int = 0) -> str:
    """A stable id: a hash of the key and the open time (the same for as long as it is open)."""
    parts = [*key, to_utc(opened_at).isoformat()] + ([str(salt)] if salt else [])
    return "al_" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


def apply_results(store: Store, results: Sequence[MonitorResult],
                  policies: Mapping[str, AlertPolicy], *, run_id: str,
                  now: datetime | None = None, updates: Mapping[str, timedelta] | None = None,
                  project: str | None = None) -> LifecycleOutcome:
    """Apply a run's results to the alert state (one transaction); return what changed.

    `policies` maps monitor name to its AlertPolicy (channels from `notify`, cooldown,
    daily cap); a monitor without one records alerts but notifies nobody. `updates` maps
    the channels that take `update` notices to their minimum time between two. `project`:
    the config's `project:` name, recorded on the alerts it opens.
    """
    now = to_utc(now or datetime.now(UTC))
    outcome = LifecycleOutcome()
    with store.transaction():
        store.lock_alerts()                  # another process's pass waits for this one
        step = _Step(store, NoiseGate(store, now), outcome, run_id, now, dict(updates or {}), project)
        open_alerts = store.open_alerts({r.monitor for r in results})
        newest = store.newest_judged_windows({r.monitor for r in results}, now)
        for index, result in enumerate(results):
            key = alert_key(result)
            policy = policies.get(result.monitor, DEFAULT_POLICY)
            current = open_alerts.get(key)
            if result.window is not None and key in newest and result.window.end < newest[key]:
                if result.status == "alert" or (result.status == "ok" and current is not None):
                    outcome.history_only[index] = history_note(result, newest[key], current)
                continue
            if result.status == "alert":
                if current is None:
                    open_alerts[key] = step.open(key, result, policy)
                else:
                    step.keep_open(current, result, policy)
            elif result.status == "ok" and current is not None:
                step.resolve(current, result)
                del open_alerts[key]
    return outcome


def history_note(result: MonitorResult, newest: datetime, current: AlertRecord | None) -> str:
    """Why a result of an old window changed no alert (shown by `run` and in `run --json`)."""
    if current is None:
        done = "no alert is opened and nobody is notified"
    elif result.status == "ok":
        done = f"alert {current.alert_id} is not resolved by it"
    else:
        done = f"alert {current.alert_id} was already open; nothing is sent"
    return (f"history only: its window ends {iso(result.window.end) if result.window else '-'}, before "
            f"the newest window already judged for it (ends {iso(newest)}); {done}")


@dataclass
class _Step:
    """The transitions of one lifecycle pass (inside its transaction)."""

    store: Store
    gate: NoiseGate
    outcome: LifecycleOutcome
    run_id: str
    now: datetime
    updates: dict[str, timedelta] = field(default_factory=dict)
    project: str | None = None

    def open(self, key: AlertKey, result: MonitorResult, policy: AlertPolicy) -> AlertRecord:
        """A new alert: fire it, or record it held by a noise control."""
        aid = self._new_id(key)
        # a noise control holds notices: an alert that notifies nobody has none to hold
        hold = self.gate.hold_reason(key, policy) if policy.channels_for(result.severity) else None
        payload = build_payload(aid, "firing", result, fired_at=self.now)
        rec = AlertRecord(
            alert_id=aid, monitor=key.monitor, model=key.model, column=key.column,
            segment_key=key.segment_key, status="open", severity=result.severity, opened_at=self.now,
            fired_at=None if hold else self.now, suppressed=hold, last_value=_finite(result.value),
            last_run_id=self.run_id,
            last_sent_at=None if hold or not policy.channels_for(result.severity) else self.now,
            payload=payload, project=self.project)
        self.store.insert_alert(rec)
        channels: tuple[str, ...] = ()
        if hold is None:
            channels = self._queue(aid, "firing", payload, policy.channels_for(result.severity))
            self.gate.note_fired(key.monitor)
        self._note(rec, result, "firing", channels, hold)
        return rec

    def keep_open(self, rec: AlertRecord, result: MonitorResult, policy: AlertPolicy) -> None:
        """Still alerting: no new notice, unless its firing notice was held and may go now."""
        changes: dict[str, Any] = {"last_value": _finite(result.value), "last_run_id": self.run_id}
        if rec.suppressed is None:
            self.store.update_alert(rec.alert_id, **changes)
            self.outcome.still_open.append(rec.alert_id)
            self._update(rec, result, policy)
            return
        hold = self.gate.hold_reason(rec.key, policy)
        if hold is not None:
            self.store.update_alert(rec.alert_id, suppressed=hold, **changes)
            self.outcome.still_open.append(rec.alert_id)
            return
        payload = build_payload(rec.alert_id, "firing", result, fired_at=self.now, severity=rec.severity)
        channels = self._queue(rec.alert_id, "firing", payload, policy.channels_for(rec.severity))
        self.store.update_alert(rec.alert_id, suppressed=None, fired_at=self.now, payload=payload,
                                last_sent_at=self.now if channels else None, **changes)
        self.gate.note_fired(rec.monitor)
        self._note(rec, result, "firing", channels, None)

    def resolve(self, rec: AlertRecord, result: MonitorResult) -> None:
        """Back to ok: resolve, and tell exactly the channels that were told it fired."""
        changes: dict[str, Any] = {"status": "resolved", "resolved_at": self.now,
                                   "last_value": _finite(result.value), "last_run_id": self.run_id}
        channels: tuple[str, ...] = ()
        if rec.fired_at is not None:
            told = self.store.outbox_channels(rec.alert_id, "firing")
            payload = build_payload(rec.alert_id, "resolved", result, fired_at=rec.fired_at,
                                    severity=rec.severity)
            channels = self._queue(rec.alert_id, "resolved", payload, told)
            if channels:
                changes["last_sent_at"] = self.now
        self.store.update_alert(rec.alert_id, **changes)
        self._note(rec, result, "resolved", channels, rec.suppressed if rec.fired_at is None else None)

    def _update(self, rec: AlertRecord, result: MonitorResult, policy: AlertPolicy) -> None:
        """New evidence (a later window) for channels that take updates, at most once per their interval."""
        fired = rec.payload or {}
        window = result.window.as_json() if result.window else None
        if rec.fired_at is None or window is None or window == fired.get("window"):
            return
        due = []
        for ch in self.store.outbox_channels(rec.alert_id, "firing"):
            every = self.updates.get(ch)
            last = self.store.last_queued(rec.alert_id, ch) if every is not None else None
            if every is not None and (last is None or self.now - last >= every):
                due.append(ch)
        if due:
            payload = build_payload(rec.alert_id, "firing", result, fired_at=rec.fired_at, severity=rec.severity)
            self._queue(rec.alert_id, "update", payload, due, key=f"{rec.alert_id}:update:{window['end']}")

    def _queue(self, alert_id: str, status: str, payload: dict[str, Any],
               channels: Iterable[str], key: str | None = None) -> tuple[str, ...]:
        chans = tuple(dict.fromkeys(channels))
        body = canonical_json(payload).decode("ascii")
        self.outcome.queued += self.store.enqueue(
            OutboxMessage(alert_id=alert_id, channel=ch, status=status, body=body, created_at=self.now, key=key)
            for ch in chans)
        return chans

    def _new_id(self, key: AlertKey) -> str:
        salt = 0
        while self.store.alert_exists(aid := alert_id_for(key, self.now, salt)):
            salt += 1
        return aid

    def _note(self, rec: AlertRecord, result: MonitorResult, status: Literal["firing", "resolved"],
              channels: tuple[str, ...], suppressed: str | None) -> None:
        self.outcome.transitions.append(AlertTransition(
            id=rec.alert_id, monitor=rec.monitor, status=status, channels=channels, model=rec.model,
            column=result.column, segment=result.segment, suppressed=suppressed))


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
