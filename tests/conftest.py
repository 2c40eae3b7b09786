"""Suite-wide fixtures: the test peers that the suite starts itself (see tests/peers/).

`postgres_server` starts one real PostgreSQL for the whole session and stops it at the end
(or when the test process dies). When PostgreSQL cannot run here, every test that needs it
is skipped with the reason; with TELLTALE_REQUIRE_PEERS=1 (set by .ci/run) it fails instead,
so that CI cannot go green without having run them.
"""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from peers import postgres as pg_peer


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pg_peer.PostgresServer]:
    """A real PostgreSQL server for the session (started on first use)."""
    try:
        server = pg_peer.server()
    except pg_peer.PeerUnavailable as exc:
        if os.environ.get("TELLTALE_REQUIRE_PEERS") == "1":
            pytest.fail(f"PostgreSQL is required (TELLTALE_REQUIRE_PEERS=1) but cannot start: {exc}")
        pytest.skip(f"PostgreSQL cannot start here: {exc}")
    try:
        yield server
    finally:
        pg_peer.stop()


@pytest.fixture
def postgres_db(postgres_server: pg_peer.PostgresServer) -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty database on the session's PostgreSQL, dropped after the test."""
    with postgres_server.fresh_database() as url:
        yield url
