"""Fixtures for the state store tests: a store on SQLite, and on PostgreSQL when one is given.

Set TELLTALE_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/telltale_test)
to run every store test on PostgreSQL too (else they run on SQLite only); the
database is emptied before each test.
"""

from __future__ import annotations

import os
from typing import Iterator

import pytest
import sqlalchemy as sa

from telltale.store import Store, open_store

PG_URL = os.environ.get("TELLTALE_TEST_POSTGRES_URL")


def _empty_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        md = sa.MetaData()
        md.reflect(conn)
        md.drop_all(conn)
    engine.dispose()


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A URL of an empty store: a SQLite file in tmp_path, or the test PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/state/state.db"
    assert PG_URL
    _empty_postgres(PG_URL)
    return PG_URL


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An opened, migrated store."""
    s = open_store(store_url)
    yield s
    s.close()
