"""Fuzz tests: hypothesis profiles and the session's DuckDB warehouse."""

from __future__ import annotations

from pathlib import Path

import fuzz_harness
import pytest
from fuzz_profiles import PROFILE, register
from fuzz_warehouse import build_warehouse

register()


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory) -> Path:
    """The fuzz warehouse (built once per session); its path is absolute."""
    return build_warehouse(tmp_path_factory.mktemp("fuzz-wh") / "wh.duckdb")


def pytest_terminal_summary(terminalreporter) -> None:
    """Say which known-open problems were left out of the generated cases, and the profile."""
    open_ = fuzz_harness.open_problems()
    if fuzz_harness._HANDLED or PROFILE != "default":
        terminalreporter.write_line(f"fuzz profile: {PROFILE}; CLI cases run: {fuzz_harness.CASES_RUN}")
    if open_:
        terminalreporter.write_line("fuzz: known-open problems not generated (their reproducers "
                                    "still fail): " + ", ".join(open_))
