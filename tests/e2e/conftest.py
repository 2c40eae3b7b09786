"""Fixtures of the end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from churn_project import write_project


@pytest.fixture(scope="session")
def churn_project(tmp_path_factory) -> Path:
    """A fresh copy of the churn project (warehouse written once per session)."""
    return write_project(tmp_path_factory.mktemp("churn"))
