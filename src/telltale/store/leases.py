"""Store API: scheduler leases, so two `telltale serve` processes never evaluate the same
monitor at the same scheduled time twice.

A lease is one row per (model, monitor, scheduled time). A process takes it by inserting
the row (or by taking over a row whose holder's lease expired: that process died while
running), notes on it the id of the run it starts, evaluates (renewing the lease while
the run goes on, so a run longer than the lease is not taken over), then marks it `done`. A
`done` row is never taken again. Taking over a dead holder's lease marks that holder's
run `abandoned`: a run cut off by a crash is not shown as running forever.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

import sqlalchemy as sa

from telltale.core.timeutil import to_utc
from telltale.store.core import StoreBase
from telltale.store.schema import leases, runs
from telltale.store.sqlutil import insert_ignore


class LeasesMixin(StoreBase):
    """acquire_leases / note_lease_run / renew_leases / finish_leases / release_leases / last_scheduled."""

    def acquire_leases(self, model: str, monitors: Iterable[str], due_at: datetime, *, holder: str,
                       now: datetime, ttl: timedelta) -> list[str]:
        """Take the leases of some monitors of one model at one scheduled time; return those taken.

        One transaction: a monitor whose lease another live process holds, or that was
        already evaluated (`done`) at that time, is left out. The run of a dead holder
        (its lease expired while running) is marked `abandoned`.
        """
        due, now = to_utc(due_at), to_utc(now)
        names = sorted(set(monitors))
        t = leases
        taken: list[str] = []
        with self.transaction() as conn:
            insert_ignore(conn, t, [{"model": model, "monitor": m, "due_at": due, "holder": holder,
                                     "state": "running", "acquired_at": now, "expires_at": now + ttl}
                                    for m in names], keys=("model", "monitor", "due_at"))
            for m in names:
                key = sa.and_(t.c.model == model, t.c.monitor == m, t.c.due_at == due)
                lapsed = sa.and_(key, t.c.state == "running", t.c.holder != holder, t.c.expires_at < now)
                dead_run = conn.execute(sa.select(t.c.run_id).where(lapsed)).scalar()
                if conn.execute(sa.update(t).where(lapsed).values(
                        holder=holder, acquired_at=now, expires_at=now + ttl, run_id=None)).rowcount \
                        and dead_run is not None:
                    conn.execute(sa.update(runs).where(runs.c.run_id == dead_run, runs.c.status == "running")
                                 .values(status="abandoned", finished_at=now))
                row = conn.execute(sa.select(t.c.holder, t.c.state).where(key)).first()
                if row is not None and row.holder == holder and row.state == "running":
                    taken.append(m)
        return taken

    def note_lease_run(self, model: str, monitors: Iterable[str], due_at: datetime, *, holder: str,
                       run_id: str) -> None:
        """Note on leases held by `holder` the run about to evaluate them (before it starts)."""
        t = leases
        with self.transaction() as conn:
            conn.execute(sa.update(t).where(t.c.model == model, t.c.monitor.in_(sorted(set(monitors))),
                                            t.c.due_at == to_utc(due_at), t.c.holder == holder,
                                            t.c.state == "running").values(run_id=run_id))

    def renew_leases(self, model: str, monitors: Iterable[str], due_at: datetime, *, holder: str,
                     now: datetime, ttl: timedelta) -> None:
        """Extend leases `holder` still holds while its run goes on (a long run is not taken over)."""
        t = leases
        with self.transaction() as conn:
            conn.execute(sa.update(t).where(t.c.model == model, t.c.monitor.in_(sorted(set(monitors))),
                                            t.c.due_at == to_utc(due_at), t.c.holder == holder,
                                            t.c.state == "running").values(expires_at=to_utc(now) + ttl))

    def finish_leases(self, model: str, monitors: Iterable[str], due_at: datetime, *, holder: str,
                      run_id: str | None) -> None:
        """Mark leases held by `holder` done: that evaluation is never repeated."""
        t = leases
        with self.transaction() as conn:
            conn.execute(sa.update(t).where(t.c.model == model, t.c.monitor.in_(sorted(set(monitors))),
                                            t.c.due_at == to_utc(due_at), t.c.holder == holder).values(
                state="done", run_id=run_id))

    def release_leases(self, model: str, monitors: Iterable[str], due_at: datetime, *, holder: str) -> None:
        """Give back leases not evaluated (shutdown before the run started): another process may take them."""
        t = leases
        with self.transaction() as conn:
            conn.execute(sa.delete(t).where(t.c.model == model, t.c.monitor.in_(sorted(set(monitors))),
                                            t.c.due_at == to_utc(due_at), t.c.holder == holder,
                                            t.c.state == "running"))

    def last_scheduled(self, model: str, monitor: str, now: datetime | None = None) -> datetime | None:
        """The latest scheduled time of a monitor that was evaluated or is held by a live process
        (with `now`, a running lease that expired does not count: its holder died)."""
        t = leases
        q = sa.select(sa.func.max(t.c.due_at)).where(t.c.model == model, t.c.monitor == monitor)
        if now is not None:
            q = q.where(sa.or_(t.c.state == "done", t.c.expires_at >= to_utc(now)))
        with self._read() as conn:
            value = conn.execute(q).scalar()
        if value is None:
            return None
        return to_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)

    def lease_rows(self, model: str | None = None) -> list[dict[str, object]]:
        """Every lease (newest first), for tests and the dashboard."""
        t = leases
        q = sa.select(t).order_by(t.c.due_at.desc(), t.c.monitor)
        if model is not None:
            q = q.where(t.c.model == model)
        with self._read() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]
