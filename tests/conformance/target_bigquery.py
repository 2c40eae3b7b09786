"""Conformance target: the shared dataset in bqemulator (ts as DATETIME, ts_tz as TIMESTAMP, day as DATE)."""

from __future__ import annotations

import uuid

import pytest

from conformance.framework import Target
from peers import bigquery as bq_peer
from peers import dataset

BLIND_SPOT = (
    "bqemulator (DuckDB inside) accepts comparing a DATETIME with a TIMESTAMP column, which real "
    "BigQuery rejects, and reports 0 bytes processed: the rendered time bounds (bare column vs "
    "string literal, no CAST AS TIMESTAMP/DATETIME) are checked on the SQL in "
    "tests/unit/connectors/test_bigquery.py")


@pytest.fixture
def target_bigquery(bigquery_emulator: bq_peer.BigQueryEmulator, peer_dataset) -> Target:
    """The dataset loaded into a fresh dataset of the session's emulator."""
    name = f"conf_{uuid.uuid4().hex[:10]}"
    dataset.load_bigquery(peer_dataset, bigquery_emulator.client(), name)
    return Target(connection={"type": "bigquery", "project": bigquery_emulator.project, "dataset": name,
                              "endpoint": bigquery_emulator.url},
                  source={"table": "predictions"}, blind_spot=BLIND_SPOT)
