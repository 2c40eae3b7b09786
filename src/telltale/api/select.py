"""Run a chosen set of monitors at one time: the one place the API and the scheduler call the runner.

Monitors of one model run together, in one fused scan per model (the runner groups a
project's monitors by model). The selection is handed over as a project whose config
lists only the chosen monitors, which the current runner entry point takes as it is.
"""

from __future__ import annotations

import dataclasses
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


def with_monitors(project: Project, monitors: Sequence[MonitorBase]) -> Project:
    """The same project with only `monitors` in its config."""
    config = project.config.model_copy(update={"monitors": tuple(monitors)})
    return dataclasses.replace(project, config=config)


def run_monitors(project: Project, at: datetime, monitors: Sequence[MonitorBase] | None = None, *,
                 dry_run: bool = False, now: datetime | None = None, run_id: str | None = None) -> RunReport:
    """Evaluate `monitors` (config objects; all when None) at `at`; return the RunReport
    (recorded under `run_id` when given)."""
    from telltale.runner.run import run_project

    target = project if monitors is None else with_monitors(project, monitors)
    return run_project(target, at=at, dry_run=dry_run, now=now, run_id=run_id)
