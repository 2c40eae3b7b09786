"""`telltale backfill`: evaluate the monitors for every past bucket of a date range."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable

from telltale.errors import ConfigError
from telltale.runner.run import Names, RunReport, run_project, select_monitors, session
from telltale.core.timeutil import floor_time, to_utc

if TYPE_CHECKING:
    from telltale.config.project import Project


def backfill_times(project: Project, start: datetime, end: datetime, model: str | None,
                   monitor: Names) -> list[datetime]:
    """Run times whose last complete bucket is each bucket from `start` to `end` (inclusive).

    The step is the finest granularity among the selected monitors' models.
    """
    monitors = select_monitors(project, model, monitor)
    if not monitors:
        return []
    step = min(project.model(m.model).step for m in monitors)
    first, last = floor_time(to_utc(start), step), floor_time(to_utc(end), step)
    if last < first:
        raise ConfigError(f"--to ({end:%Y-%m-%d}) is before --from ({start:%Y-%m-%d})")
    out, t = [], first + step
    while t <= last + step:
        out.append(t)
        t += step
    return out


def backfill(project: Project, start: datetime, end: datetime, *, model: str | None = None,
             monitor: Names = None, progress: Callable[[datetime], None] | None = None,
             now: datetime | None = None) -> list[RunReport]:
    """One stored run per bucket (summaries are reused between them); no alerts are sent.
    The buckets share one connector session (each connection is opened once)."""
    reports = []
    with session(project) as connections:
        for at in backfill_times(project, start, end, model, monitor):
            reports.append(run_project(project, at=at, model=model, monitor=monitor, alerts=False, now=now,
                                       connections=connections))
            if progress is not None:
                progress(at)
    return reports
