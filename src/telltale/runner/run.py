"""One run: plan a set of monitors, execute the plan, store the results, raise alerts.

The planner (`runner.plan`) turns the monitors and the stored state into a plan: per
model, the partials every monitor needs over its focal and baseline windows, the stored
per-bucket summaries that are final, and the statements that fetch the rest (one fused
scan of the missing buckets, one grid query the first time a numeric column is seen).
The executor (`runner.execute`) runs it, records the summaries and evaluates every
monitor; a failing query fails only the monitors reading what it fetched.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Union

from telltale.connectors.base import Connector
from telltale.core.results import MonitorResult
from telltale.core.timeutil import iso, to_utc
from telltale.errors import ConfigError
from telltale.monitors.base import MonitorBase
from telltale.runner.execute import EXACT_GRID_ROWS, GRID_SAMPLE_ROWS, QueryLog, execute_plan
from telltale.runner.metrics import MetricCompiler
from telltale.runner.plan import plan_monitors
from telltale.runner.scans import FreshState
from telltale.runner.stored import state_for

if TYPE_CHECKING:
    from telltale.alerts.retire import ProjectScope
    from telltale.config.project import Project
    from telltale.store import Store


__all__ = ["EXACT_GRID_ROWS", "GRID_SAMPLE_ROWS", "QueryLog", "RunReport", "run_monitors", "run_project",
           "select_monitors"]


@dataclass
class RunReport:
    """What `telltale run` prints and returns."""

    run_id: str
    at: datetime
    results: list[MonitorResult]
    alerts: list[dict[str, Any]] = field(default_factory=list)
    queries: list[dict[str, Any]] = field(default_factory=list)
    delivery: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """3 if a monitor failed, else 1 if an alert fired, else 0."""
        if any(r.status == "error" for r in self.results):
            return 3
        if any(r.status == "alert" for r in self.results):
            return 1
        return 0

    def as_json(self) -> dict[str, Any]:
        """The object `run --json` prints."""
        return {"run_id": self.run_id, "at": iso(self.at),
                "results": [r.as_json() for r in self.results],
                "alerts": self.alerts, "queries": self.queries,
                "delivery": list(self.delivery.get("notices", []))}


Names = Union[str, Sequence[str], None]
"""One monitor name, several (`--monitor a --monitor b`), or None for all."""


def select_monitors(project: Project, model: str | None, monitor: Names) -> list[MonitorBase]:
    """The monitors a run evaluates (in file order); unknown names are usage errors."""
    if model is not None and model not in project.config.models:
        raise ConfigError(f"no model named '{model}'; models: {', '.join(project.config.models)}")
    mons = project.monitors(model)
    if monitor is not None:
        wanted = [monitor] if isinstance(monitor, str) else monitor
        if not isinstance(wanted, (list, tuple)) or not all(isinstance(n, str) for n in wanted):
            raise ConfigError(f"monitors: give a monitor name or a list of names, not {monitor!r}")
        known = {m.name for m in mons}
        for name in wanted:
            if name not in known:
                names = ", ".join(m.name for m in mons)
                raise ConfigError(f"no monitor named '{name}'; monitors: {names}")
        mons = [m for m in mons if m.name in wanted]
    return mons


class Connections:
    """The connectors of a run, opened on first use (by connection name) and closed together."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.open: dict[str, Connector] = {}

    def for_model(self, model: str) -> Connector:
        """The connector of a model's connection (ConnectorError and the like when it fails)."""
        name = self.project.model(model).connection
        if name not in self.open:
            self.open[name] = self.project.connection(name).open(self.project.root, name=name)
        return self.open[name]

    def close(self) -> None:
        """Close every connector opened."""
        for c in self.open.values():
            c.close()
        self.open.clear()


@contextmanager
def session(project: Project) -> Iterator[Connections]:
    """Connectors kept open across several runs (backfill: one session for all its buckets)."""
    connections = Connections(project)
    try:
        yield connections
    finally:
        connections.close()


def run_project(project: Project, *, at: datetime, model: str | None = None, monitor: Names = None,
                dry_run: bool = False, now: datetime | None = None, alerts: bool = True,
                connections: Connections | None = None, run_id: str | None = None) -> RunReport:
    """Evaluate the selected monitors at `at`; store, alert and deliver unless `dry_run`.

    With `alerts=False` (backfill) results and summaries are stored but alerts are left
    alone: history is filled without notifying anyone about the past. `connections`: an
    open session to reuse (else the run opens and closes its own). `run_id`: the id to
    record the run under (the scheduler notes it on its leases first); else a new one.
    """
    return run_monitors(project, select_monitors(project, model, monitor), at=at, dry_run=dry_run,
                        now=now, alerts=alerts, connections=connections, run_id=run_id)


def run_monitors(project: Project, monitors: Sequence[MonitorBase], *, at: datetime, dry_run: bool = False,
                 now: datetime | None = None, alerts: bool = True,
                 connections: Connections | None = None, run_id: str | None = None) -> RunReport:
    """Evaluate a set of monitors (of one model or several) at `at`: plan, execute, record."""
    from telltale.runner.validate import check_before_run
    from telltale.store import open_store, open_store_readonly
    from telltale.store.runs import new_run_id

    started = time.perf_counter()
    at = to_utc(at)
    now = to_utc(now or datetime.now(tz=at.tzinfo))
    compiler = MetricCompiler(project)
    compiler.check(list(monitors))   # every DSL error surfaces before anything runs
    own = connections is None
    conns = Connections(project) if connections is None else connections
    store = None
    try:
        check_before_run(project, [m.model for m in monitors], conns.open)  # bad sources: exit 2
        if not dry_run:
            store = open_store(project.store_url)
            run_id = store.begin_run(at, run_id=run_id)
        else:   # the stored state is read (same grids, same reusable summaries), nothing is written
            store = open_store_readonly(project.store_url)
            run_id = "dry-" + new_run_id(now)
    except BaseException:
        if own:
            conns.close()
        if store is not None:
            store.close()
        raise
    log = QueryLog()
    try:
        try:
            plan = plan_monitors(project, monitors, at=at, now=now,
                                 state=FreshState() if store is None else state_for(store),
                                 connector_for=conns.for_model, compiler=compiler)
            results = execute_plan(project, plan, store=None if dry_run else store, log=log, run_id=run_id)
            report = RunReport(run_id, at, results, queries=log.entries)
            if store is not None and not dry_run:
                _finish(project, store, report, monitors, now, alerts)
        finally:
            if own:
                conns.close()
        report.seconds = time.perf_counter() - started
        if store is not None and not dry_run:
            store.finish_run(run_id, status="done", exit_code=report.exit_code,
                             summary={"results": len(results), "alerts": len(report.alerts),
                                      "seconds": round(report.seconds, 6), "queries": report.queries})
    except BaseException as exc:
        if store is not None and not dry_run:
            _record_failure(store, run_id, exc)
        raise
    finally:
        if store is not None:   # a run releases the store it opened (API callers run many times)
            store.close()
    return report


def project_scope(project: Project) -> ProjectScope:
    """What this configuration defines, for the alerts it owns (`alerts.retire.ProjectScope`)."""
    from telltale.alerts.retire import ProjectScope

    return ProjectScope(project.config.project, frozenset(project.config.models),
                        {(m.model, m.name): frozenset(f.name for f in project.monitor_columns(m))
                         for m in project.monitors()})


def _record_failure(store: Store, run_id: str, exc: BaseException) -> None:
    """Record a run that raised as `failed` (exit 3), so it never shows as running forever;
    when the store itself is what failed, the original error is the one that propagates."""
    first_line = (str(exc).splitlines() or [""])[0]
    with suppress(Exception):   # e.g. the store is unreachable: the run's own error is the one to report
        store.finish_run(run_id, status="failed", exit_code=3,
                         summary={"error": f"{type(exc).__name__}: {first_line}"})


def _finish(project: Project, store: Store, report: RunReport, monitors: Sequence[MonitorBase], now: datetime,
            alerts: bool = True) -> None:
    """Store metric points, then hand the results to alerts (lifecycle, outbox, deliveries)."""
    from telltale.alerts.dispatch import alert_run
    from telltale.store.history import points_from_results

    store.put_metric_points(points_from_results(report.run_id, report.at, report.results))
    if not alerts:
        return
    done = alert_run(store, report.results, monitors, project.config.alerts, run_id=report.run_id,
                     at=report.at, now=now, dashboard_url=project.config.dashboard_url,
                     scope=project_scope(project))
    report.alerts, report.delivery = done.alerts, done.delivery
    report.results = [replace(r, extra={**r.extra, "history_only": done.history_only[i]})
                      if i in done.history_only else r for i, r in enumerate(report.results)]
