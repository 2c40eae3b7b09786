"""Conformance target `delta`: the shared dataset as a Delta table on moto's S3, partitioned by day."""

from __future__ import annotations

import pytest

from conformance.framework import Target


@pytest.fixture
def target_delta(s3_peer, peer_dataset) -> Target:
    """A Delta table at s3://<bucket>/predictions (written by deltalake), read by the delta connector."""
    from peers import dataset

    options = s3_peer.server.delta_storage_options()
    dataset.load_delta(peer_dataset, f"s3://{s3_peer.bucket}/predictions", options)
    return Target(
        connection={"type": "delta", "storage_options": options},
        source={"path": f"s3://{s3_peer.bucket}/predictions"},
        blind_spot="moto has no locking provider (writes use AWS_S3_ALLOW_UNSAFE_RENAME) and no IAM; "
                   "Delta features to_pyarrow_dataset cannot read (deletion vectors, column mapping) are "
                   "not exercised; the SQL is DuckDB's, executed for real in-process",
    )
