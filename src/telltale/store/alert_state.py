"""Store API: alert records (open and resolved), read and written by telltale.alerts."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Iterable

import sqlalchemy as sa

from telltale.store.core import StoreBase
from telltale.store.records import AlertKey, AlertRecord
from telltale.store.schema import alerts
from telltale.core.timeutil import to_utc

_KEY_COLS = ("monitor", "model", "column", "segment_key")
ALERTS_LOCK_KEY = 0x7E11_7A1E      # the advisory lock of the alert lifecycle (PostgreSQL)
_MUTABLE = frozenset({"status", "severity", "resolved_at", "fired_at", "suppressed", "last_value",
                      "last_run_id", "last_sent_at", "payload", "resolved_reason"})


def _key_cond(key: AlertKey) -> Any:
    return sa.and_(*(alerts.c[c] == v for c, v in zip(_KEY_COLS, key, strict=True)))


class AlertStateMixin(StoreBase):
    """open_alerts / get_alert / list_alerts / insert_alert / update_alert and the noise queries."""

    def lock_alerts(self) -> None:
        """Serialise alert lifecycle passes: call first inside `with store.transaction():`.

        Two processes sharing a store (serve and a cron run) must not both read "no open
        alert" and open the same one. SQLite's write transactions already begin IMMEDIATE
        (one writer at a time); PostgreSQL takes a transaction-scoped advisory lock."""
        if self.dialect == "postgresql":
            with self.transaction() as conn:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(ALERTS_LOCK_KEY)))

    def open_alerts(self, monitors: Iterable[str] | None = None) -> dict[AlertKey, AlertRecord]:
        """The open alerts by key, optionally only for some monitors."""
        q = sa.select(alerts).where(alerts.c.status == "open")
        if monitors is not None:
            q = q.where(alerts.c.monitor.in_(sorted(set(monitors))))
        with self._read() as conn:
            recs = [_alert(r) for r in conn.execute(q).mappings()]
        return {r.key: r for r in recs}

    def get_alert(self, alert_id: str) -> AlertRecord | None:
        """One alert by id, or None."""
        with self._read() as conn:
            row = conn.execute(sa.select(alerts).where(alerts.c.alert_id == alert_id)).mappings().first()
        return _alert(row) if row else None

    def list_alerts(self, *, status: str | None = None, monitor: str | None = None,
                    limit: int | None = 100) -> list[AlertRecord]:
        """Alerts, newest opened first (for the dashboard and the API); `limit=None`: all of them."""
        q = sa.select(alerts)
        if status is not None:
            q = q.where(alerts.c.status == status)
        if monitor is not None:
            q = q.where(alerts.c.monitor == monitor)
        q = q.order_by(alerts.c.opened_at.desc(), alerts.c.alert_id).limit(limit)
        with self._read() as conn:
            return [_alert(r) for r in conn.execute(q).mappings()]

    def insert_alert(self, record: AlertRecord) -> None:
        """Add a new alert (the store allows one open alert per key)."""
        row = asdict(record)
        for c in ("opened_at", "resolved_at", "fired_at", "last_sent_at"):
            row[c] = to_utc(row[c]) if row[c] is not None else None
        with self.transaction() as conn:
            conn.execute(sa.insert(alerts).values(**row))

    def update_alert(self, alert_id: str, **changes: Any) -> None:
        """Change some fields of an alert (status, resolved_at, fired_at, suppressed, last_*, payload)."""
        unknown = set(changes) - _MUTABLE
        if unknown:
            raise ValueError(f"cannot update alert fields {sorted(unknown)}")
        if changes:
            with self.transaction() as conn:
                conn.execute(sa.update(alerts).where(alerts.c.alert_id == alert_id).values(**changes))

    def alert_exists(self, alert_id: str) -> bool:
        """True when an alert with that id was ever recorded."""
        with self._read() as conn:
            return conn.execute(sa.select(alerts.c.alert_id).where(
                alerts.c.alert_id == alert_id)).first() is not None

    def last_notified_resolve(self, key: AlertKey) -> datetime | None:
        """When the latest alert of this key whose firing notice went out was resolved."""
        q = sa.select(sa.func.max(alerts.c.resolved_at)).where(
            _key_cond(key), alerts.c.status == "resolved", alerts.c.fired_at.is_not(None))
        with self._read() as conn:
            value = conn.execute(q).scalar()
        # func.max loses the column type on some backends: normalise here
        return None if value is None else _as_utc(value)

    def count_fired(self, monitor: str, start: datetime, end: datetime) -> int:
        """How many alerts of a monitor had their firing notice queued in [start, end)."""
        q = sa.select(sa.func.count()).select_from(alerts).where(
            alerts.c.monitor == monitor, alerts.c.fired_at >= to_utc(start), alerts.c.fired_at < to_utc(end))
        with self._read() as conn:
            return int(conn.execute(q).scalar() or 0)


def _as_utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return to_utc(value)


def _alert(row: Any) -> AlertRecord:
    return AlertRecord(**{k: row[k] for k in AlertRecord.__dataclass_fields__})
