"""Conformance target: Redshift, played by the real PostgreSQL peer through `driver: psycopg`
(redshift_connector cannot connect to PostgreSQL), with the Redshift dialect's SQL."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.framework import Target


@pytest.fixture
def target_redshift(postgres_server: Any, target_postgres_database: str) -> Target:
    """The Redshift connector (driver: psycopg) on the PostgreSQL peer."""
    return Target(
        connection={"type": "redshift", "host": postgres_server.host, "port": postgres_server.port,
                    "database": target_postgres_database, "user": "postgres", "driver": "psycopg"},
        source={"table": "predictions"},
        blind_spot="PostgreSQL stands in for Redshift: it accepts several PERCENTILE_CONT orderings "
                   "in one statement and TABLESAMPLE (Redshift rejects both; the generated SQL is "
                   "checked in tests/unit/connectors/test_postgres.py), and redshift_connector, IAM "
                   "and query_group are not exercised (checked there on a recording stand-in)")
