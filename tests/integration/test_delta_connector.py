"""The delta connector: Delta tables written by deltalake to a folder and to moto's S3, scanned by DuckDB.

Blind spots: moto has no locking provider and no IAM; Delta features `to_pyarrow_dataset`
cannot read (deletion vectors, column mapping) are not exercised and fail with deltalake's message.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from peers import dataset
from scan_plan import arrow_scan, window_query
from telltale.connectors.base import SourceSpec
from telltale.connectors.delta import DeltaConnector
from telltale.core.timeutil import TimeRange
from telltale.errors import ConnectorError

UTC = dt.timezone.utc
DAY3 = TimeRange(dt.datetime(2024, 3, 3, tzinfo=UTC), dt.datetime(2024, 3, 4, tzinfo=UTC))


def summary(conn: DeltaConnector, source: SourceSpec) -> dict:
    rel = conn.relation(source).sql("duckdb")
    table, _ = conn.execute(sqlglot.parse_one(dataset.SUMMARY_SQL.format(table=rel), read="duckdb"))
    out = dataset.summary_from_row(table.to_pylist()[0].values())
    out["sum_x"] = round(out["sum_x"], 6)
    return out


def want(peer_dataset) -> dict:
    out = dataset.summary(peer_dataset)
    out["sum_x"] = round(out["sum_x"], 6)
    return out


def test_a_local_table_round_trips_and_a_version_can_be_pinned(tmp_path: Path, peer_dataset) -> None:
    uri = str(tmp_path / "preds")
    dataset.load_delta(peer_dataset, uri)
    from deltalake import write_deltalake

    write_deltalake(uri, peer_dataset.slice(0, 100), mode="append", partition_by=["day"])   # version 1
    latest = DeltaConnector(base_dir=tmp_path)
    assert latest.describe(SourceSpec(path="preds"))["day"] == "date"
    assert summary(latest, SourceSpec(path="preds"))["rows"] == 2100
    pinned = DeltaConnector(base_dir=tmp_path, options={"version": 0})
    assert summary(pinned, SourceSpec(path=uri)) == want(peer_dataset)
    latest.close()
    pinned.close()


def test_a_table_on_s3_round_trips(s3_peer, peer_dataset) -> None:
    options = s3_peer.server.delta_storage_options()
    dataset.load_delta(peer_dataset, f"s3://{s3_peer.bucket}/t", options)
    conn = DeltaConnector(storage_options=options)
    assert summary(conn, SourceSpec(path=f"s3://{s3_peer.bucket}/t")) == want(peer_dataset)
    conn.close()


def test_files_outside_the_window_are_pruned_by_the_logs_statistics(tmp_path: Path, peer_dataset) -> None:
    """The time filter on `ts` (not the partition column) is pushed into the scan, and files whose
    min/max `ts` in the Delta log lie outside the window are not opened: a garbage file for
    2024-03-10 breaks a full read but not the one-day window."""
    uri = tmp_path / "t"
    table = dataset.load_delta(peer_dataset, str(uri))
    [victim] = [f for f in table.file_uris() if "day=2024-03-10" in f]
    Path(victim.removeprefix("file://")).write_bytes(b"not parquet at all")
    conn = DeltaConnector()
    rel = conn.relation(SourceSpec(path=str(uri)))
    query = window_query(rel, "x", "ts", DAY3)
    got, _ = conn.execute(query)
    assert got.column("s")[0].as_py() == pytest.approx(2000.5417212804218, rel=1e-12)
    scan = arrow_scan(conn.scan.connection, query.sql("duckdb"))
    assert scan["projections"] == "x" and scan["rows"] == 200
    assert "TIMESTAMP '2024-03-03 00:00:00'" in scan["filters"]
    with pytest.raises(ConnectorError, match="Delta Lake query failed"):
        conn.execute(exp.select("SUM(x)").from_(rel.copy()))
    conn.close()


def test_a_folder_without_a_delta_log_says_so(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    conn = DeltaConnector()
    with pytest.raises(ConnectorError, match="_delta_log"):
        conn.describe(SourceSpec(path=str(tmp_path / "empty")))
    conn.close()


def test_a_slow_query_is_interrupted_at_the_timeout(tmp_path: Path, peer_dataset) -> None:
    dataset.load_delta(peer_dataset, str(tmp_path / "t"))
    conn = DeltaConnector(timeout=0.5)
    rel = conn.relation(SourceSpec(path=str(tmp_path / "t")))
    tables = []
    for alias in "abcd":   # 2,000^4 rows: never finishes in 0.5 s
        t = rel.copy()
        t.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
        tables.append(t)
    slow = exp.select("COUNT(*)").from_(tables[0])
    for t in tables[1:]:
        slow = slow.join(t, join_type="cross")
    with pytest.raises(ConnectorError, match="did not finish within the timeout of 0.5 s"):
        conn.execute(slow)
    conn.close()
