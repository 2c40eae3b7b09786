"""The Delta Lake test peer: tables written by deltalake to a folder and to moto's S3, scanned by DuckDB."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from peers import delta
from peers.harness import import_client

import_client("deltalake")


def _table() -> pa.Table:
    return pa.table({"id": pa.array(range(100), pa.int64()),
                     "day": pa.array([i % 10 for i in range(100)], pa.int32()),
                     "score": pa.array([i / 100 for i in range(100)], pa.float64())})


def _filtered(dataset) -> list[tuple]:
    con = duckdb.connect()
    try:
        con.register("scores", dataset)
        return con.execute("SELECT count(*), sum(id) FROM scores WHERE day >= 5 AND score < 0.5").fetchall()
    finally:
        con.close()


def test_local_delta_table_scanned_by_duckdb(tmp_path) -> None:
    table = delta.write(_table(), str(tmp_path / "scores"), partition_by=["day"])
    assert table.version() == 0
    assert (tmp_path / "scores" / "_delta_log").is_dir()
    assert _filtered(delta.scan(str(tmp_path / "scores"))) == [(25, sum(i for i in range(50) if i % 10 >= 5))]


def test_delta_table_on_moto_s3_scanned_by_duckdb(s3_peer) -> None:
    options = s3_peer.server.delta_storage_options()
    uri = f"s3://{s3_peer.bucket}/delta/scores"
    delta.write(_table(), uri, storage_options=options)
    keys = [o["Key"] for o in s3_peer.server.client("s3").list_objects_v2(Bucket=s3_peer.bucket)["Contents"]]
    assert "delta/scores/_delta_log/00000000000000000000.json" in keys
    assert _filtered(delta.scan(uri, storage_options=options)) == [(25, sum(i for i in range(50) if i % 10 >= 5))]
