"""Fixtures of the serve, history and Python API tests: the demo project with some history."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from serve_helpers import HISTORY_DAYS


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory) -> Path:
    """The demo project with HISTORY_DAYS days of backfilled history and one alerting run at its end."""
    from telltale.config import load_project
    from telltale.demo.data import demo_end
    from telltale.demo.project import write_project
    from telltale.runner.backfill import backfill
    from telltale.runner.run import run_project

    root = tmp_path_factory.mktemp("demo") / "demo"
    end = demo_end()
    write_project(root, end)
    project = load_project(root)
    backfill(project, end - timedelta(days=HISTORY_DAYS + 1), end - timedelta(days=2))
    run_project(project, at=end)
    return root


@pytest.fixture()
def demo(demo_master: Path, tmp_path: Path) -> Path:
    """A private copy of the demo project (its store may be written)."""
    target = tmp_path / "demo"
    shutil.copytree(demo_master, target)
    return target


@pytest.fixture(scope="session")
def demo_end_time():
    """The time the demo's last run evaluated."""
    from telltale.demo.data import demo_end

    return demo_end()
