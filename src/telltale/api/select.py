"""Run a chosen set of monitors at one time: the one place the API and the scheduler call the runner.

Monitors of one model run together, in one fused scan per model (the runner groups a
project's monitors by model). The runner gets the whole project and the chosen monitors:
the others stay configured (their open alerts are theirs, not "removed").
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from telltale.config.project import Project
    from telltale.monitors.base import MonitorBase
    from telltale.runner.run import RunReport


def pick_monitors(project: Project, names: Sequence[str] | None) -> list[MonitorBase]:
    """The project's monitors with these names (all when None), in file order; unknown names
    are usage errors listing the known ones (as `telltale run --monitor`)."""
    from telltale.runner.run import select_monitors

    return select_monitors(project, None, names)


def run_monitors(project: Project, at: datetime, monitors: Sequence[MonitorBase] | None = None, *,
                 dry_run: bool = False, now: datetime | None = None, run_id: str | None = None) -> RunReport:
    """Evaluate `monitors` (config objects; all when None) at `at`; return the RunReport
    (recorded under `run_id` when given)."""
    from telltale.runner import run

    if monitors is None:
        return run.run_project(project, at=at, dry_run=dry_run, now=now, run_id=run_id)
    # the whole project goes along: the monitors not chosen are still configured (their
    # alerts are not "removed from the configuration")
    return run.run_monitors(project, list(monitors), at=at, dry_run=dry_run, now=now, run_id=run_id)
