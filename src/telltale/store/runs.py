"""Store API: runs (one row per `telltale run` or scheduler tick)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from telltale.store.core import StoreBase
from telltale.store.records import RunRecord
from telltale.store.schema import runs
from telltale.core.timeutil import UTC, to_utc


def new_run_id(now: datetime) -> str:
    """A sortable, unique run id such as `20260313T060000Z-3f9a1c2b`."""
    return f"{to_utc(now):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


class RunsMixin(StoreBase):
    """begin_run / finish_run / get_run / recent_runs."""

    def begin_run(self, at: datetime, *, run_id: str | None = None,
                  started_at: datetime | None = None) -> str:
        """Record the start of a run evaluating time `at`; return its run id."""
        started = to_utc(started_at or datetime.now(UTC))
        rid = run_id or new_run_id(started)
        with self.transaction() as conn:
            conn.execute(sa.insert(runs).values(
                run_id=rid, started_at=started, at=to_utc(at), status="running"))
        return rid

    def finish_run(self, run_id: str, *, status: str, exit_code: int,
                   summary: dict[str, Any] | None = None, finished_at: datetime | None = None) -> None:
        """Record the end of a run: its status, exit code and a JSON summary."""
        with self.transaction() as conn:
            conn.execute(sa.update(runs).where(runs.c.run_id == run_id).values(
                status=status, exit_code=exit_code, summary=summary,
                finished_at=to_utc(finished_at or datetime.now(UTC))))

    def get_run(self, run_id: str) -> RunRecord | None:
        """One run, or None."""
        with self._read() as conn:
            row = conn.execute(sa.select(runs).where(runs.c.run_id == run_id)).mappings().first()
        return _run(row) if row else None

    def recent_runs(self, limit: int = 20) -> list[RunRecord]:
        """The latest runs, newest first."""
        with self._read() as conn:
            rows = conn.execute(sa.select(runs).order_by(runs.c.started_at.desc(),
                                                          runs.c.run_id.desc()).limit(limit)).mappings()
            return [_run(r) for r in rows]


def _run(row: Any) -> RunRecord:
    return RunRecord(run_id=row["run_id"], started_at=row["started_at"], at=row["at"],
                     status=row["status"], finished_at=row["finished_at"],
                     exit_code=row["exit_code"], summary=row["summary"])
