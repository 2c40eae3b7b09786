"""`telltale alerts list`: alerts with their delivery state per channel, and the outbox."""

from __future__ import annotations

from typing import Any, Collection

from telltale.core.segkey import parse_segment_key
from telltale.core.timeutil import iso
from telltale.store import OutboxRow, Store

STATUSES = ("open", "resolved", "pending", "failed")


def status_problem(status: str | None) -> str | None:
    """Why a status filter is not one of STATUSES (the words of the CLI and the API), or None."""
    if status is None or status in STATUSES:
        return None
    return f"'{status}' is not one of {', '.join(STATUSES)}"


def notice_json(row: OutboxRow, configured: Collection[str]) -> dict[str, Any]:
    """One notice: channel, alert, notice kind, state (sent | pending | failed) and why."""
    state = "sent" if row.delivered else ("failed" if row.last_error else "pending")
    out: dict[str, Any] = {"channel": row.channel, "alert": row.alert_id, "notice": row.status, "status": state,
                           "attempts": row.attempts, "queued_at": iso(row.created_at),
                           "sent_at": iso(row.delivered_at), "error": row.last_error,
                           "retry_at": None if row.delivered else iso(row.next_attempt_at)}
    if not row.delivered and row.channel not in configured:
        out["error"] = (f"no channel named '{row.channel}' in `alerts:` (removed from the config?); "
                        "it is sent once the channel is back") + (f"; last error: {row.last_error}"
                                                                    if row.last_error else "")
    return out


def list_alerts(store: Store, configured: Collection[str], status: str | None = None,
                limit: int | None = None) -> dict[str, Any]:
    """`{"alerts": [...], "outbox": [...]}` for a status filter (see STATUSES) or everything.

    Each alert carries its notices per channel and the channels' external references;
    `outbox` lists the notices not delivered yet (all of them, or the failed ones). Every
    alert is listed unless a `limit` is given.
    """
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    alerts = [] if status in ("pending", "failed") else store.list_alerts(status=status, limit=limit)
    pending = [] if status in ("open", "resolved") else store.pending_outbox()
    if status == "failed":
        pending = [r for r in pending if r.last_error]
    ids = {a.alert_id for a in alerts}
    notices: dict[str, list[dict[str, Any]]] = {}
    for row in store.outbox_messages(alert_ids=ids) if ids else []:
        notices.setdefault(row.alert_id, []).append(notice_json(row, configured))
    refs = store.refs_of(ids)
    out_alerts = [{
        "id": a.alert_id, "monitor": a.monitor, "model": a.model, "column": a.column or None,
        "segment": parse_segment_key(a.segment_key) if a.segment_key else None, "status": a.status, "severity": a.severity,
        "opened_at": iso(a.opened_at), "resolved_at": iso(a.resolved_at), "suppressed": a.suppressed,
        "resolved_reason": a.resolved_reason, "project": a.project,
        "value": a.last_value, "notices": notices.get(a.alert_id, []),
        "refs": {ch: ref for (aid, ch), ref in sorted(refs.items()) if aid == a.alert_id},
    } for a in alerts]
    return {"alerts": out_alerts, "outbox": [notice_json(r, configured) for r in pending]}
