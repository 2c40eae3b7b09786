"""Store API: the alert outbox (queued notices and their delivery state)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from telltale.store.core import StoreBase
from telltale.store.engine import begin
from telltale.store.records import OutboxMessage, OutboxRow
from telltale.store.schema import outbox
from telltale.store.sqlutil import insert_ignore
from telltale.core.timeutil import to_utc


@dataclass
class OutboxClaim:
    """A queued notice held for delivery inside one transaction (see `claim_outbox`)."""

    row: OutboxRow
    _conn: Connection
    outcome: str | None = None

    def delivered(self, at: datetime) -> None:
        """Mark it delivered (committed with the claim: it is never sent again)."""
        self._conn.execute(sa.update(outbox).where(outbox.c.id == self.row.id).values(
            delivered_at=to_utc(at), last_error=None, next_attempt_at=None))
        self.outcome = "delivered"

    def failed(self, error: str, next_attempt_at: datetime | None) -> None:
        """Keep it pending, with the error and when to try again."""
        self._conn.execute(sa.update(outbox).where(outbox.c.id == self.row.id).values(
            last_error=error[:2000], next_attempt_at=to_utc(next_attempt_at) if next_attempt_at else None))
        self.outcome = "failed"


class OutboxMixin(StoreBase):
    """enqueue / pending_outbox / claim_outbox / outbox_messages / outbox_channels."""

    def enqueue(self, messages: Iterable[OutboxMessage]) -> int:
        """Queue notices; one already queued for the same (channel, idempotency key) is skipped.

        Returns how many were newly queued.
        """
        rows = [{"alert_id": m.alert_id, "channel": m.channel, "status": m.status,
                 "idempotency_key": m.idempotency_key, "payload": m.body,
                 "created_at": to_utc(m.created_at), "attempts": 0} for m in messages]
        if not rows:
            return 0
        with self.transaction() as conn:
            existing = {(c, k) for c, k in conn.execute(
                sa.select(outbox.c.channel, outbox.c.idempotency_key).where(
                    outbox.c.idempotency_key.in_(sorted({r["idempotency_key"] for r in rows}))))}
            new, seen = [], set(existing)
            for r in rows:
                k = (r["channel"], r["idempotency_key"])
                if k not in seen:
                    seen.add(k)
                    new.append(r)
            insert_ignore(conn, outbox, new, keys=("channel", "idempotency_key"))
        return len(new)

    def pending_outbox(self, channel: str | None = None) -> list[OutboxRow]:
        """Undelivered notices in queue order (by id)."""
        q = sa.select(outbox).where(outbox.c.delivered_at.is_(None))
        if channel is not None:
            q = q.where(outbox.c.channel == channel)
        with self._read() as conn:
            return [_row(r) for r in conn.execute(q.order_by(outbox.c.id)).mappings()]

    def outbox_messages(self, *, alert_id: str | None = None, channel: str | None = None) -> list[OutboxRow]:
        """Every notice (delivered or not), optionally for one alert or channel, by id."""
        q = sa.select(outbox)
        if alert_id is not None:
            q = q.where(outbox.c.alert_id == alert_id)
        if channel is not None:
            q = q.where(outbox.c.channel == channel)
        with self._read() as conn:
            return [_row(r) for r in conn.execute(q.order_by(outbox.c.id)).mappings()]

    def outbox_channels(self, alert_id: str, status: str) -> list[str]:
        """The channels a notice of that alert and status was queued for."""
        q = sa.select(outbox.c.channel).where(outbox.c.alert_id == alert_id,
                                              outbox.c.status == status).order_by(outbox.c.id)
        with self._read() as conn:
            return list(conn.execute(q).scalars())

    @contextmanager
    def claim_outbox(self, message_id: int) -> Iterator[OutboxClaim | None]:
        """Hold one pending notice for delivery, in a transaction of its own.

        The claim increments `attempts` of a row that is still undelivered; that write
        locks the row (PostgreSQL) or the database (SQLite) until the block ends, so two
        deliverers never send the same notice. Yields None when the notice was delivered
        meanwhile. Call `claim.delivered(now)` or `claim.failed(error, retry_at)` inside
        the block: the outcome commits together with the claim. An exception rolls both back.
        """
        if getattr(self._local, "conn", None) is not None:
            raise RuntimeError("claim_outbox needs a transaction of its own; call it outside store.transaction()")
        with begin(self.engine) as conn:
            res = conn.execute(sa.update(outbox).where(
                outbox.c.id == message_id, outbox.c.delivered_at.is_(None)).values(
                attempts=outbox.c.attempts + 1))
            if res.rowcount != 1:
                yield None
                return
            row = conn.execute(sa.select(outbox).where(outbox.c.id == message_id)).mappings().one()
            yield OutboxClaim(_row(row), conn)

    def outbox_counts(self) -> dict[str, dict[str, int]]:
        """Per channel: how many notices are pending and delivered (for /metrics and the dashboard)."""
        pending = sa.case((outbox.c.delivered_at.is_(None), 1), else_=0)
        q = sa.select(outbox.c.channel, sa.func.sum(pending), sa.func.count()).group_by(outbox.c.channel)
        with self._read() as conn:
            return {ch: {"pending": int(p or 0), "delivered": int(n - (p or 0))}
                    for ch, p, n in conn.execute(q)}


def _row(r: Any) -> OutboxRow:
    return OutboxRow(id=r["id"], alert_id=r["alert_id"], channel=r["channel"], status=r["status"],
                     idempotency_key=r["idempotency_key"], body=r["payload"], created_at=r["created_at"],
                     attempts=r["attempts"], next_attempt_at=r["next_attempt_at"],
                     delivered_at=r["delivered_at"], last_error=r["last_error"])
