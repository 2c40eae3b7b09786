"""Alerts whose monitor left the configuration: resolved, with the reason, once.

A monitor removed from `telltale.yml` (or moved to another model, or no longer watching a
column) is never evaluated again, so no run would ever find it `ok`: its open alerts would
stay open forever. Every alerting run therefore resolves the open alerts that belong to
this project and that no configured monitor can judge any more, and tells the channels
that got their `firing` notice (`resolved`, with the reason as the message).

Several projects may share one state store, so only this project's alerts are touched:
- an alert opened under a `project:` name belongs to the configuration with that name;
- an alert without one (a project without `project:`, or opened before telltale recorded
  it) belongs to the project that defines its model.
Another project's alerts (another name, or a model this project does not define) are
never resolved here. What no rule can tell (a segment value that stopped occurring, the
alerts of a renamed project) is resolved by hand: `telltale alerts resolve ID...`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Sequence

from telltale.alerts.lifecycle import AlertTransition
from telltale.alerts.payload import canonical_json
from telltale.core.segkey import parse_segment_key
from telltale.core.timeutil import UTC, to_utc
from telltale.store import AlertRecord, OutboxMessage, Store

REMOVED = "monitor '{monitor}' of model '{model}' was removed from the configuration"
BY_HAND = "resolved by hand (telltale alerts resolve)"
COLUMN_GONE = "monitor '{monitor}' no longer watches column '{column}' (removed from its columns)"


@dataclass(frozen=True)
class ProjectScope:
    """What one configuration defines: its `project:` name, its models and, per (model,
    monitor), the columns that monitor evaluates (empty for model-level monitors)."""

    name: str | None
    models: frozenset[str]
    monitors: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    def owns(self, alert: AlertRecord) -> bool:
        """Whether the alert belongs to this project (see the module docstring)."""
        if alert.project is not None:
            return alert.project == self.name
        return alert.model in self.models

    def gone(self, alert: AlertRecord) -> str | None:
        """Why no configured monitor can judge this alert any more, or None when one can."""
        columns = self.monitors.get((alert.model, alert.monitor))
        if columns is None:
            return REMOVED.format(monitor=alert.monitor, model=alert.model)
        if alert.column and alert.column not in columns:
            return COLUMN_GONE.format(monitor=alert.monitor, column=alert.column)
        return None


def retire_removed(store: Store, scope: ProjectScope, *, run_id: str,
                   now: datetime | None = None) -> list[AlertTransition]:
    """Resolve this project's open alerts that no configured monitor judges any more (one
    transaction); queue one `resolved` notice per channel told it fired; return what changed."""
    now = to_utc(now or datetime.now(UTC))
    out: list[AlertTransition] = []
    with store.transaction():
        store.lock_alerts()
        for rec in store.open_alerts().values():
            reason = scope.gone(rec) if scope.owns(rec) else None
            if reason is not None:
                out.append(_resolve(store, rec, reason, run_id, now))
    return out


def resolve_by_hand(store: Store, alert_ids: Sequence[str], note: str | None = None, *,
                    now: datetime | None = None) -> list[AlertTransition]:
    """`telltale alerts resolve`: resolve these open alerts (any project's) as the other
    resolutions do, with the reason `resolved by hand` (and the note); one transaction.

    Raises ValueError naming the ids that are not open alerts (nothing is resolved then).
    """
    now = to_utc(now or datetime.now(UTC))
    reason = BY_HAND + (f": {note}" if note else "")
    with store.transaction():
        store.lock_alerts()
        open_by_id = {rec.alert_id: rec for rec in store.open_alerts().values()}
        wrong = [aid for aid in dict.fromkeys(alert_ids) if aid not in open_by_id]
        if wrong:
            said = [f"{aid} ({'resolved already' if store.get_alert(aid) else 'no such alert'})" for aid in wrong]
            raise ValueError("not an open alert: " + ", ".join(said) + "; `telltale alerts list "
                             "--status open` lists the open ones")
        return [_resolve(store, open_by_id[aid], reason, None, now) for aid in dict.fromkeys(alert_ids)]


def _resolve(store: Store, rec: AlertRecord, reason: str, run_id: str | None, now: datetime) -> AlertTransition:
    channels: tuple[str, ...] = ()
    changes: dict[str, Any] = {"status": "resolved", "resolved_at": now, "resolved_reason": reason}
    if run_id is not None:
        changes["last_run_id"] = run_id
    if rec.fired_at is not None:      # a held alert was never announced: nothing to take back
        channels = tuple(dict.fromkeys(store.outbox_channels(rec.alert_id, "firing")))
        payload = {**(rec.payload or {}), "status": "resolved", "message": f"resolved: {reason}"}
        body = canonical_json(payload).decode("ascii")
        store.enqueue(OutboxMessage(alert_id=rec.alert_id, channel=ch, status="resolved", body=body,
                                    created_at=now) for ch in channels)
        if channels:
            changes["last_sent_at"] = now
    store.update_alert(rec.alert_id, **changes)
    return AlertTransition(id=rec.alert_id, monitor=rec.monitor, status="resolved", channels=channels,
                           model=rec.model, column=rec.column or None,
                           segment=parse_segment_key(rec.segment_key) if rec.segment_key else None,
                           suppressed=rec.suppressed if rec.fired_at is None else None, reason=reason)
