"""Conformance target: PostgreSQL, a real server (tests/peers/postgres.py) holding the shared
dataset as `predictions` (POSTGRES_TYPES: BIGINT, TIMESTAMP, TIMESTAMPTZ, DATE, INTEGER,
NUMERIC(12,4), DOUBLE PRECISION, BOOLEAN, TEXT)."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from conformance.framework import Target


@pytest.fixture(scope="session")
def target_postgres_database(postgres_server: Any, peer_dataset: Any) -> Iterator[str]:
    """A database of the session's PostgreSQL holding the shared dataset as `predictions` (named
    `target_*` so tests/conformance/conftest.py collects it; the Redshift target shares it)."""
    from peers import dataset

    name = "conformance_pg"
    postgres_server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    postgres_server.execute(f'CREATE DATABASE "{name}"')
    dataset.load_postgres(peer_dataset, postgres_server.conninfo(name))
    yield name
    postgres_server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def target_postgres(postgres_server: Any, target_postgres_database: str) -> Target:
    """The PostgreSQL connector on the real server."""
    return Target(
        connection={"type": "postgres", "host": postgres_server.host, "port": postgres_server.port,
                    "database": target_postgres_database, "user": "postgres"},
        source={"table": "predictions"},
        blind_spot="none known for PostgreSQL itself: the peer is a real PostgreSQL 18 (the "
                   "connector supports what psycopg 3 reaches; older servers are not tested)")
