"""Fixtures of the end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from churn_project import write_project


@pytest.fixture(scope="session")
def churn_project(tmp_path_factory) -> Path:
    """A fresh copy of the churn project (warehouse written once per session)."""
    return write_project(tmp_path_factory.mktemp("churn"))


@pytest.fixture
def sinks():
    """The local webhook, JIRA, PagerDuty, Slack and New Relic peers (tests/peers/alert_sinks.py),
    signing with the secret "s3cret"; a held request is released and the servers stopped
    after the test."""
    from peers.alert_sinks import AlertSinks

    s = AlertSinks(secret="s3cret")
    yield s
    if s.hold is not None:
        s.hold.release()
    s.stop()

