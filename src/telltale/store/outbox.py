"""Store API: the alert outbox (queued notices and their delivery state)."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

import sqlalchemy as sa

from telltale.store.core import StoreBase
from telltale.store.engine import begin
from telltale.store.records import OutboxMessage, OutboxRow
from telltale.store.schema import alert_refs, outbox
from telltale.store.sqlutil import insert_ignore
from telltale.core.timeutil import to_utc


def new_owner() -> str:
    """A claim owner: `host:pid:random`, so a lease of a process that died can be taken over."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def owner_alive(owner: str | None) -> bool:
    """False when `owner` is a process on this host that no longer runs (else True)."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True                     # another machine: trust its lease until it expires
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:                     # exists, owned by someone else
        return True
    return True


@dataclass(frozen=True)
class OutboxLease:
    """A notice claimed for delivery: no transaction stays open while it is sent."""

    row: OutboxRow
    owner: str
    lease_until: datetime


class OutboxMixin(StoreBase):
    """enqueue / pending_outbox / claim_outbox + record_* / outbox_messages / refs of alerts."""

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

    def delivery_totals(self) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
        """Counted in the store (two GROUP BYs, whatever the outbox's length): notices delivered
        per (channel, status), and failed attempts per channel (every attempt of a notice
        but the one that delivered it)."""
        delivered = outbox.c.delivered_at.isnot(None)
        failed = outbox.c.attempts - sa.case((delivered, 1), else_=0)
        with self._read() as conn:
            sent = {(c, st): int(n) for c, st, n in conn.execute(
                sa.select(outbox.c.channel, outbox.c.status, sa.func.count())
                .where(delivered).group_by(outbox.c.channel, outbox.c.status))}
            failures = {c: int(n or 0) for c, n in conn.execute(
                sa.select(outbox.c.channel, sa.func.sum(failed)).group_by(outbox.c.channel))}
        return sent, failures

    def outbox_messages(self, *, alert_id: str | None = None, channel: str | None = None,
                        alert_ids: Iterable[str] | None = None) -> list[OutboxRow]:
        """Every notice (delivered or not), optionally for one alert, some alerts or a channel, by id."""
        q = sa.select(outbox)
        if alert_id is not None:
            q = q.where(outbox.c.alert_id == alert_id)
        if alert_ids is not None:
            q = q.where(outbox.c.alert_id.in_(sorted(set(alert_ids))))
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

    def claim_outbox(self, message_id: int, *, owner: str, now: datetime,
                     lease: timedelta) -> OutboxLease | None:
        """Claim one pending notice for `lease` (a short transaction of its own), or None.

        None when it was delivered meanwhile or another live process holds an unexpired
        lease on it. A lease whose owner died (same host, its pid gone) or expired is taken
        over. The claim counts one attempt. Then send, with no store lock held, and call
        `record_delivered` or `record_failed` with the same owner.
        """
        if getattr(self._local, "conn", None) is not None:
            raise RuntimeError("claim_outbox needs a transaction of its own; call it outside store.transaction()")
        now = to_utc(now)
        until = now + lease
        with begin(self.engine) as conn:
            cur = conn.execute(sa.select(outbox).where(outbox.c.id == message_id)).mappings().first()
            if cur is None or cur["delivered_at"] is not None:
                return None
            held = cur["lease_until"] is not None and to_utc(cur["lease_until"]) > now
            if held and owner_alive(cur["claimed_by"]):
                return None
            before = cur["claimed_by"]
            cond = outbox.c.claimed_by.is_(None) if before is None else outbox.c.claimed_by == before
            res = conn.execute(sa.update(outbox).where(
                outbox.c.id == message_id, outbox.c.delivered_at.is_(None), cond).values(
                attempts=outbox.c.attempts + 1, claimed_by=owner, lease_until=until))
            if res.rowcount != 1:
                return None
            row = conn.execute(sa.select(outbox).where(outbox.c.id == message_id)).mappings().one()
        return OutboxLease(_row(row), owner, until)

    def record_delivered(self, lease: OutboxLease, at: datetime, ref: str | None = None) -> bool:
        """Mark a claimed notice delivered and keep the channel's reference for its alert.

        False when the lease was lost (another process took it over after it expired); the
        notice is marked delivered all the same (it was).
        """
        row = lease.row
        with self.transaction() as conn:
            res = conn.execute(sa.update(outbox).where(outbox.c.id == row.id, outbox.c.claimed_by == lease.owner)
                               .values(delivered_at=to_utc(at), last_error=None, next_attempt_at=None,
                                       lease_until=None))
            if res.rowcount != 1:
                conn.execute(sa.update(outbox).where(outbox.c.id == row.id, outbox.c.delivered_at.is_(None))
                             .values(delivered_at=to_utc(at), last_error=None, next_attempt_at=None,
                                     lease_until=None))
            if ref is not None:
                self.put_ref(row.alert_id, row.channel, ref, at)
        return res.rowcount == 1

    def record_failed(self, lease: OutboxLease, error: str, next_attempt_at: datetime | None) -> None:
        """Keep a claimed notice pending, with the error and when to try again; release the lease."""
        with self.transaction() as conn:
            conn.execute(sa.update(outbox).where(outbox.c.id == lease.row.id, outbox.c.claimed_by == lease.owner,
                                                 outbox.c.delivered_at.is_(None)).values(
                last_error=error[:2000], lease_until=None,
                next_attempt_at=to_utc(next_attempt_at) if next_attempt_at else None))

    def put_ref(self, alert_id: str, channel: str, ref: str, at: datetime) -> None:
        """Keep (or replace) a channel's external reference of an alert."""
        with self.transaction() as conn:
            done = conn.execute(sa.update(alert_refs).where(
                alert_refs.c.alert_id == alert_id, alert_refs.c.channel == channel).values(
                ref=ref, updated_at=to_utc(at))).rowcount
            if not done:
                conn.execute(sa.insert(alert_refs).values(alert_id=alert_id, channel=channel, ref=ref,
                                                          updated_at=to_utc(at)))

    def get_ref(self, alert_id: str, channel: str) -> str | None:
        """A channel's external reference of an alert (JIRA issue key, dedup key), or None."""
        with self._read() as conn:
            value = conn.execute(sa.select(alert_refs.c.ref).where(
                alert_refs.c.alert_id == alert_id, alert_refs.c.channel == channel)).scalar()
        return None if value is None else str(value)

    def refs_of(self, alert_ids: Iterable[str]) -> dict[tuple[str, str], str]:
        """(alert id, channel) -> reference, for some alerts."""
        ids = sorted(set(alert_ids))
        if not ids:
            return {}
        with self._read() as conn:
            rows = conn.execute(sa.select(alert_refs).where(alert_refs.c.alert_id.in_(ids)))
            return {(r.alert_id, r.channel): r.ref for r in rows}

    def last_queued(self, alert_id: str, channel: str) -> datetime | None:
        """When the latest notice of an alert was queued for a channel."""
        q = sa.select(sa.func.max(outbox.c.created_at)).where(outbox.c.alert_id == alert_id,
                                                              outbox.c.channel == channel)
        with self._read() as conn:
            value = conn.execute(q).scalar()
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return None if value is None else to_utc(value)

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
                     delivered_at=r["delivered_at"], last_error=r["last_error"],
                     claimed_by=r["claimed_by"], lease_until=r["lease_until"])
