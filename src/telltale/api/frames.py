"""Stored history and alerts as plain rows (the JSON of `history --json` and the dashboard),
and as pandas DataFrames when pandas is installed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Sequence

from telltale.core.finite import finite_only, null_note
from telltale.core.segkey import parse_segment_key
from telltale.core.timeutil import iso
from telltale.errors import MissingExtraError

if TYPE_CHECKING:
    from telltale.store import Store

HISTORY_COLUMNS = ("at", "model", "monitor", "type", "column", "segment", "metric", "value", "threshold",
                   "status", "severity", "window", "baseline", "message", "run_id")


def point_json(p: Any) -> dict[str, Any]:
    """One stored point as `history --json` prints it (strict JSON: a NaN or infinity in the
    threshold or baseline is null, and the message says what it was, as in `run --json`)."""
    extra = p.extra or {}
    found: list[str] = []
    threshold = finite_only(extra.get("threshold"), "threshold", found)
    baseline = finite_only(extra.get("baseline"), "baseline", found)
    message = extra.get("message")
    if found:
        message = f"{message or ''} ({null_note(found)})".strip()
    return {"at": iso(p.at), "model": p.model, "monitor": p.monitor, "type": extra.get("type"),
            "column": p.column,
            "segment": parse_segment_key(p.segment_key) or None, "metric": p.metric, "value": p.value,
            "threshold": threshold, "status": p.status, "severity": extra.get("severity"),
            "window": {"start": iso(p.window_start), "end": iso(p.window_end)} if p.window_start else None,
            "baseline": baseline, "message": message, "run_id": p.run_id}


def history_rows(store: Store | None, *, model: str | None = None, monitor: str | None = None,
                 column: str | None = None, since: datetime | None = None) -> list[dict[str, Any]]:
    """Stored points matching the filters, by series then time (an absent store has none)."""
    if store is None:
        return []
    return [point_json(p) for p in store.list_points(model=model, monitor=monitor, column=column,
                                                     since=since)]


def delivery_state(row: Any) -> dict[str, Any]:
    """One queued notice's delivery: sent, failed (tried, with the error) or pending."""
    if row.delivered_at is not None:
        state = "sent"
    elif row.last_error:
        state = "failed"
    else:
        state = "pending"
    return {"channel": row.channel, "notice": row.status, "status": state, "attempts": row.attempts,
            "error": row.last_error if state != "sent" else None,
            "retry_at": iso(row.next_attempt_at) if state != "sent" else None,
            "delivered_at": iso(row.delivered_at)}


def alert_rows(store: Store | None, status: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Alerts, newest first, each with its notices' delivery state.

    `status`: open | resolved (the alert), or pending | failed (alerts with a notice in
    that delivery state).
    """
    if store is None:
        return []
    by_alert: dict[str, list[dict[str, Any]]] = {}
    for row in store.outbox_messages():
        by_alert.setdefault(row.alert_id, []).append(delivery_state(row))
    alert_status = status if status in ("open", "resolved") else None
    out = []
    for a in store.list_alerts(status=alert_status, limit=limit):
        notices = by_alert.get(a.alert_id, [])
        if status in ("pending", "failed") and not any(n["status"] == status for n in notices):
            continue
        payload = a.payload or {}
        out.append({"id": a.alert_id, "monitor": a.monitor, "model": a.model, "column": a.column or None,
                    "segment": parse_segment_key(a.segment_key) or None, "status": a.status,
                    "severity": a.severity, "opened_at": iso(a.opened_at), "resolved_at": iso(a.resolved_at),
                    "fired_at": iso(a.fired_at), "suppressed": a.suppressed, "value": a.last_value,
                    "metric": payload.get("metric"), "message": payload.get("message"),
                    "window": payload.get("window"), "delivery": notices, "resolved_reason": a.resolved_reason})
    return out


def to_frame(rows: Sequence[dict[str, Any]], columns: Sequence[str], times: Sequence[str] = ()) -> Any:
    """A pandas DataFrame of rows (the columns in this order, `times` parsed as UTC)."""
    try:
        import pandas as pd  # type: ignore[import-untyped]
    except ImportError:
        raise MissingExtraError("telltale's Python API (DataFrames)", "pandas", "pandas") from None
    frame = pd.DataFrame(list(rows), columns=list(columns))
    for c in times:
        frame[c] = pd.to_datetime(frame[c], utc=True)
    return frame
