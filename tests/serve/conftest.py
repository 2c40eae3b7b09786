"""Fixtures of the serve, history and Python API tests: the demo project with some history."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Iterator

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


# -- headless Chromium for the browser tests ------------------------------------
# Debian's `chromium` package, driven by Playwright pointed at it (`executable_path`):
# browser builds cannot be downloaded on these machines. When /usr/bin/chromium is missing
# and the tests run as root with apt-get (as CI does), the test command installs the
# package itself; otherwise the browser tests are skipped with the reason, and fail
# instead under TELLTALE_REQUIRE_PEERS=1.

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _install_chromium() -> str | None:
    """Install Debian's chromium package; None when done, else why not."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "Debian's chromium package is not installed (apt-get install chromium, as root)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
        if res.returncode != 0:
            return f"`{' '.join(cmd)}` failed: {(res.stderr or res.stdout).strip()[-500:]}"
    return None


@pytest.fixture()
def browser() -> Iterator[object]:
    """A headless Chromium (the system one), closed after the test: Playwright's sync API keeps
    an asyncio loop running while it is open, which later tests must not inherit."""
    if not Path(CHROMIUM).exists():
        why = _install_chromium()
        if why is not None:
            if os.environ.get("TELLTALE_REQUIRE_PEERS") == "1":
                pytest.fail(why)
            pytest.skip(why)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder of the screenshots the tests keep (git ignores it)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
