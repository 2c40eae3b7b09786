"""Suite-wide fixtures: the test peers that the suite starts itself (see tests/peers/README.md).

Each peer starts once per session on first use and stops at the end (or when the test process
dies): a real PostgreSQL, fakesnow's server and bqemulator (each in a virtual environment of its
own, created on first use in a cache folder), and moto's server (S3, Glue, Athena; Delta tables
are written to it or to a folder). When a peer cannot run here, every test that needs it is
skipped with the reason; with TELLTALE_REQUIRE_PEERS=1 (set by .ci/run) it fails instead, so
that CI cannot go green without having run them.
"""

from __future__ import annotations

import os
import uuid
from typing import Any, Iterator

import pyarrow as pa
import pytest

from peers import bigquery as bq_peer
from peers import dataset as dataset_peer
from peers import postgres as pg_peer
from peers import s3 as s3_peer_module
from peers import snowflake as sf_peer
from peers.harness import require


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


@pytest.fixture(scope="session")
def fakesnow_server() -> Iterator[sf_peer.FakesnowServer]:
    """fakesnow's server for the session (its environment is created on first use)."""
    server = require("fakesnow (Snowflake)", sf_peer.server)
    try:
        yield server
    finally:
        sf_peer.stop()


@pytest.fixture
def snowflake_kwargs(fakesnow_server: sf_peer.FakesnowServer) -> dict[str, Any]:
    """`snowflake.connector.connect` kwargs of a new database and schema of its own on the session's fakesnow."""
    database, schema = f"T_{uuid.uuid4().hex[:10].upper()}", "PUBLIC_T"
    fakesnow_server.connect(database, schema).close()  # creates both
    return fakesnow_server.connection_kwargs(database=database, schema=schema)


@pytest.fixture(scope="session")
def bigquery_emulator() -> Iterator[bq_peer.BigQueryEmulator]:
    """bqemulator for the session (its environment is created on first use)."""
    server = require("bqemulator (BigQuery)", bq_peer.server)
    try:
        yield server
    finally:
        bq_peer.stop()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[s3_peer_module.MotoServer]:
    """moto's server (S3, Glue, Athena) for the session."""
    server = require("moto (S3, Glue, Athena)", s3_peer_module.server)
    try:
        yield server
    finally:
        s3_peer_module.stop()


@pytest.fixture
def s3_peer(moto_server: s3_peer_module.MotoServer) -> Iterator[s3_peer_module.S3Peer]:
    """moto with a new bucket; the AWS_* environment points at it during the test only (restored afterwards)."""
    with s3_peer_module.aws_env(moto_server):
        yield s3_peer_module.S3Peer.of(moto_server, moto_server.new_bucket())


@pytest.fixture(scope="session")
def peer_dataset() -> pa.Table:
    """The shared conformance dataset (tests/peers/dataset.py)."""
    return dataset_peer.build()
