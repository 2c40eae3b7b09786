"""Conformance target `s3`: the shared dataset as Hive-partitioned Parquet on moto's S3."""

from __future__ import annotations

import pytest

from conformance.framework import Target


@pytest.fixture
def target_s3(s3_peer, peer_dataset) -> Target:
    """Parquet files under s3://<bucket>/predictions/day=YYYY-MM-DD/, read by the s3 connector."""
    from peers import dataset

    dataset.load_s3_parquet(peer_dataset, s3_peer.server.filesystem(), f"{s3_peer.bucket}/predictions")
    return Target(
        connection={"type": "s3", "endpoint": s3_peer.endpoint_url, "region": s3_peer.region},
        source={"path": f"s3://{s3_peer.bucket}/predictions/", "format": "parquet", "partitioning": "hive"},
        blind_spot="moto serves S3's API (listing, ranged GETs) but not its latency, throttling or IAM "
                   "policies; the SQL is DuckDB's, executed for real in-process",
    )
