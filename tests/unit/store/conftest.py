"""Fixtures for the state store tests: every test runs on SQLite and on PostgreSQL.

PostgreSQL is the real server the suite starts (tests/peers/postgres.py), with a new empty
database for each test; when it cannot start, the PostgreSQL cases are skipped with the
reason. Set TELLTALE_TEST_POSTGRES_URL (e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/telltale_test) to use that database instead:
it is emptied before each test.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
from peers.postgres import empty_database

from telltale.store import Store, open_store

PG_URL = os.environ.get("TELLTALE_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty store: a SQLite file in tmp_path, or a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/state/state.db"
    if PG_URL:
        empty_database(PG_URL)
        return PG_URL
    url: str = request.getfixturevalue("postgres_db")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An opened, migrated store."""
    s = open_store(store_url)
    yield s
    s.close()
