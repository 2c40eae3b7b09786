"""The scheduler of `telltale serve`: run each monitor when its cron `schedule` says.

Every tick looks, for each monitor, at its latest scheduled time at or before now. A time
no process has taken yet is due; a process that was down for several ticks therefore
catches up once, with the latest of them, never once per missed tick. Monitors of one
model due at the same time run together (one fused scan), evaluated `at` the scheduled
time. A lease per (model, monitor, scheduled time) in the state store makes sure that two
`serve` processes on one store never evaluate the same monitor-window twice.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable

from croniter import croniter

from telltale.api.select import run_monitors
from telltale.core.timeutil import doubling_wait, iso, to_utc
from telltale.store.runs import new_run_id

if TYPE_CHECKING:
    from telltale.config.models import ModelConfig
    from telltale.config.project import Project
    from telltale.monitors.base import MonitorBase
    from telltale.store import Store


log = logging.getLogger("telltale.serve")

DEFAULT_CRON = {"hour": "0 * * * *", "day": "0 0 * * *"}
"""A monitor without `schedule` runs once per bucket of its model, when the bucket closes."""
LEASE_TTL = timedelta(hours=1)
"""A lease whose holder died is taken over after this long."""


def cron_of(monitor: MonitorBase, model: ModelConfig) -> str:
    """A monitor's cron expression (its `schedule`, else one per bucket of its model)."""
    return str(monitor.schedule or DEFAULT_CRON.get(model.granularity, DEFAULT_CRON["day"]))


def latest_fire(cron: str, now: datetime) -> datetime:
    """The latest time at or before `now` (UTC) that `cron` names."""
    now = to_utc(now).replace(microsecond=0)
    prev = croniter(cron, now + timedelta(seconds=1)).get_prev(datetime)
    return to_utc(prev)


def next_fire(cron: str, now: datetime) -> datetime:
    """The first time after `now` that `cron` names."""
    return to_utc(croniter(cron, to_utc(now).replace(microsecond=0)).get_next(datetime))


@dataclass(frozen=True)
class DueGroup:
    """Monitors of one model due at one scheduled time."""

    model: str
    due_at: datetime
    monitors: tuple[str, ...]


def due_groups(project: Project, store: Store, now: datetime) -> list[DueGroup]:
    """What is due at `now`: per model and scheduled time, the monitors no process took yet."""
    groups: dict[tuple[str, datetime], list[str]] = {}
    for m in project.config.monitors:
        due = latest_fire(cron_of(m, project.model(m.model)), now)
        last = store.last_scheduled(m.model, m.name, now)
        if last is None or last < due:
            groups.setdefault((m.model, due), []).append(m.name)
    return [DueGroup(model, due, tuple(names)) for (model, due), names in sorted(groups.items())]


@dataclass
class TickOutcome:
    """What one group did in a tick: ran (with the run id and exit code), or skipped."""

    group: DueGroup
    taken: tuple[str, ...]
    run_id: str | None = None
    exit_code: int | None = None
    error: str | None = None


RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)


def default_holder() -> str:
    """A name for this process in the lease table: host, pid and a random part."""
    import os

    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass
class Scheduler:
    """Runs what is due, tick after tick, until told to stop (between two runs, never inside one)."""

    project: Project
    store: Store
    holder: str = field(default_factory=default_holder)
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    ttl: timedelta = LEASE_TTL
    stop: threading.Event = field(default_factory=threading.Event)
    last_tick: datetime | None = None
    running: DueGroup | None = None
    outcomes: list[TickOutcome] = field(default_factory=list)
    failed: dict[tuple[str, datetime], tuple[int, datetime]] = field(default_factory=dict)
    """(model, due time) -> (failed runs, not before): a run that raised (a store that is down,
    a column dropped from the source) is retried after RETRY_BASE, doubling up to RETRY_MAX,
    not at every tick."""

    def tick(self) -> list[TickOutcome]:
        """One pass: run every due group this process can lease; deliver notices that are due."""
        now = to_utc(self.clock())
        done: list[TickOutcome] = []
        groups = due_groups(self.project, self.store, now)
        due = {(g.model, g.due_at) for g in groups}
        self.failed = {k: v for k, v in self.failed.items() if k in due}   # a window no longer due: forgotten
        for group in groups:
            if self.stop.is_set():
                break
            waiting = self.failed.get((group.model, group.due_at))
            if waiting is not None and now < waiting[1]:
                continue
            taken = self.store.acquire_leases(group.model, group.monitors, group.due_at,
                                              holder=self.holder, now=now, ttl=self.ttl)
            if not taken:
                continue
            done.append(self._run(group, tuple(taken)))
        if not self.stop.is_set():
            self._deliver(now)
        self.last_tick = now
        self.outcomes = (self.outcomes + done)[-100:]
        return done

    def _run(self, group: DueGroup, taken: tuple[str, ...]) -> TickOutcome:
        outcome = TickOutcome(group, taken)
        if self.stop.is_set():      # shutting down: give the leases back, another process takes them
            self.store.release_leases(group.model, taken, group.due_at, holder=self.holder)
            return outcome
        chosen = [m for m in self.project.config.monitors if m.model == group.model and m.name in taken]
        run_id = new_run_id(self.clock())
        self.store.note_lease_run(group.model, taken, group.due_at, holder=self.holder, run_id=run_id)
        self.running = group
        log.info("running %d monitor(s) of %s at %s", len(taken), group.model, iso(group.due_at),
                 extra={"event": "run_start", "model": group.model, "at": iso(group.due_at),
                        "monitors": list(taken)})
        renewing = self._keep_leases(group, taken)
        try:
            report = run_monitors(self.project, group.due_at, chosen, run_id=run_id)
        except Exception as exc:  # noqa: BLE001 - the scheduler reports and goes on with the next group
            outcome.error = f"{type(exc).__name__}: {exc}"
            log.error("run of %s at %s failed: %s", group.model, iso(group.due_at), outcome.error,
                      extra={"event": "run_failed", "model": group.model, "at": iso(group.due_at)})
            self.store.release_leases(group.model, taken, group.due_at, holder=self.holder)
            tries = self.failed.get((group.model, group.due_at), (0, group.due_at))[0] + 1
            self.failed[(group.model, group.due_at)] = (
                tries, to_utc(self.clock()) + doubling_wait(RETRY_BASE, RETRY_MAX, tries))
            return outcome
        finally:
            renewing.set()
            self.running = None
        outcome.run_id, outcome.exit_code = report.run_id, report.exit_code
        self.failed.pop((group.model, group.due_at), None)
        self.store.finish_leases(group.model, taken, group.due_at, holder=self.holder, run_id=report.run_id)
        log.info("ran %s at %s: exit %d, %d result(s), %.2f s", group.model, iso(group.due_at),
                 report.exit_code, len(report.results), report.seconds,
                 extra={"event": "run_done", "model": group.model, "at": iso(group.due_at),
                        "run_id": report.run_id, "exit_code": report.exit_code,
                        "seconds": round(report.seconds, 3)})
        return outcome

    def _keep_leases(self, group: DueGroup, taken: tuple[str, ...]) -> threading.Event:
        """Renew the run's leases every third of their time to live until the returned event is
        set: a live process's run is never taken over, however long it takes."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self.ttl.total_seconds() / 3):
                try:
                    self.store.renew_leases(group.model, taken, group.due_at, holder=self.holder,
                                            now=to_utc(self.clock()), ttl=self.ttl)
                except Exception as exc:  # noqa: BLE001 - e.g. the store is briefly unreachable
                    log.warning("renewing the leases of %s failed: %s", group.model, exc,
                                extra={"event": "lease_renew_failed"})

        threading.Thread(target=renew, name="telltale-lease-renewal", daemon=True).start()
        return done

    def _deliver(self, now: datetime) -> None:
        """Retry queued notices whose backoff has passed (the outbox never sends one twice)."""
        from telltale.alerts.channels import usable_channels
        from telltale.alerts.outbox import deliver_pending

        if not self.store.pending_outbox():
            return
        channels, _errors = usable_channels({k: v.model_dump(exclude_none=True)
                                             for k, v in self.project.config.alerts.items()})
        try:
            deliver_pending(self.store, channels, now, due_only=True)
        except Exception as exc:  # noqa: BLE001 - a delivery problem must not stop the scheduler
            log.error("delivering queued notices failed: %s", exc, extra={"event": "delivery_failed"})

    def loop(self, interval: float = 30.0) -> None:
        """Tick every `interval` seconds until `stop` is set (a run in progress finishes first)."""
        while not self.stop.is_set():
            try:
                self.tick()
            except Exception as exc:  # noqa: BLE001 - e.g. the store is briefly unreachable
                log.error("scheduler tick failed: %s", exc, extra={"event": "tick_failed"})
            self.stop.wait(interval)

    def status(self) -> dict[str, Any]:
        """For /healthz and the dashboard: last tick, what runs now, next scheduled time per monitor."""
        now = to_utc(self.clock())
        nxt = {m.name: iso(next_fire(cron_of(m, self.project.model(m.model)), now))
               for m in self.project.config.monitors}
        return {"holder": self.holder, "last_tick": iso(self.last_tick),
                "running": None if self.running is None else {
                    "model": self.running.model, "at": iso(self.running.due_at),
                    "monitors": list(self.running.monitors)},
                "next": nxt}
