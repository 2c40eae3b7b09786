"""Fixtures for the alerts tests: a store, a webhook on httpserver, a closed port, the API sinks."""

from __future__ import annotations

import os
import socket
from typing import Iterator

import pytest
from _alert_helpers import SECRET, channels_at

from peers.postgres import empty_database

from telltale.alerts import build_channel
from telltale.store import Store, open_store

PG_URL = os.environ.get("TELLTALE_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    """A fresh store on SQLite and on PostgreSQL: the suite's own PostgreSQL peer (a new
    database per test; skipped with the reason when it cannot start, failed under
    TELLTALE_REQUIRE_PEERS=1), or the database TELLTALE_TEST_POSTGRES_URL names (emptied
    first)."""
    url = f"sqlite:///{tmp_path}/state.db"
    if request.param == "postgresql":
        if PG_URL:
            empty_database(PG_URL)
            url = PG_URL
        else:
            url = request.getfixturevalue("postgres_db")
    s = open_store(url)
    yield s
    s.close()


@pytest.fixture
def hook(httpserver):
    """A webhook channel 'ops' pointing at the test HTTP server's /hook."""
    return build_channel("ops", {"type": "webhook", "url": httpserver.url_for("/hook"), "secret": SECRET})


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"



@pytest.fixture
def sinks():
    """Local peers of the webhook, JIRA, PagerDuty, Slack and New Relic APIs (tests/peers/alert_sinks.py)."""
    from peers.alert_sinks import AlertSinks

    s = AlertSinks(secret=SECRET)
    yield s
    if s.hold is not None:
        s.hold.release()
    s.stop()


@pytest.fixture
def all_channels(sinks):
    """One channel of every type, each pointed at the sinks."""
    return channels_at(sinks)
