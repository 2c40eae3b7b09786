"""The shared dataset is deterministic, and each loader puts all of it into its peer (count and sums back)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from peers import dataset


def _assert_round_trip(got: dict[str, Any], table: pa.Table) -> None:
    want = dataset.summary(table)
    assert got["sum_x"] == pytest.approx(want.pop("sum_x"), rel=1e-12)
    got = {k: v for k, v in got.items() if k != "sum_x"}
    assert got == want


def _duckdb_summary(relation_name: str, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    [row] = con.execute(dataset.SUMMARY_SQL.format(table=relation_name)).fetchall()
    return dataset.summary_from_row(row)


def test_dataset_is_deterministic_and_has_the_promised_shape(peer_dataset: pa.Table) -> None:
    assert dataset.build().equals(peer_dataset)
    assert peer_dataset.schema == dataset.SCHEMA
    assert peer_dataset.num_rows == dataset.ROWS
    days = peer_dataset["day"].to_pylist()
    assert sorted(set(days)) == [dt.date(2024, 3, 1) + dt.timedelta(days=i) for i in range(dataset.DAYS)]
    ts = peer_dataset["ts"].to_pylist()
    assert ts == sorted(ts) and all(t.date() == d for t, d in zip(ts, days))
    assert [t.replace(tzinfo=None) for t in peer_dataset["ts_tz"].to_pylist()] == ts
    categories = set(peer_dataset["category"].to_pylist())
    assert {"null", "", None} <= categories
    for name in ("x", "flag", "category", "label"):
        assert peer_dataset[name].null_count > 0, name
    for name in ("id", "ts", "ts_tz", "day", "n_int", "n_big", "amount", "score"):
        assert peer_dataset[name].null_count == 0, name
    scores = peer_dataset["score"].to_pylist()
    assert 0.0 <= min(scores) and max(scores) <= 1.0
    assert set(peer_dataset["label"].to_pylist()) == {0, 1, None}
    assert dataset.build(seed=1)["x"] != peer_dataset["x"]


def test_duckdb_file_loader(peer_dataset: pa.Table, tmp_path) -> None:
    path = str(tmp_path / "peer.duckdb")
    dataset.load_duckdb(peer_dataset, path)
    con = duckdb.connect(path, read_only=True)
    try:
        _assert_round_trip(_duckdb_summary(dataset.TABLE, con), peer_dataset)
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'predictions'").fetchall())
    finally:
        con.close()
    assert types["ts"] == "TIMESTAMP" and types["ts_tz"] == "TIMESTAMP WITH TIME ZONE"
    assert types["amount"] == "DECIMAL(12,4)" and types["day"] == "DATE"


def test_postgres_loader(peer_dataset: pa.Table, postgres_server) -> None:
    import psycopg

    with postgres_server.fresh_database() as url:
        name = url.rsplit("/", 1)[1]
        dataset.load_postgres(peer_dataset, postgres_server.conninfo(name))
        with psycopg.connect(postgres_server.conninfo(name)) as conn:
            [row] = conn.execute(dataset.SUMMARY_SQL.format(table=dataset.TABLE)).fetchall()
            conn.execute("SET TIME ZONE 'UTC'")
            [first] = conn.execute("SELECT ts, ts_tz FROM predictions WHERE id = 0").fetchall()
    _assert_round_trip(dataset.summary_from_row(row), peer_dataset)
    assert first[0] == peer_dataset["ts"][0].as_py()
    assert first[1] == peer_dataset["ts_tz"][0].as_py()


def test_snowflake_loader(peer_dataset: pa.Table, snowflake_kwargs: dict[str, Any]) -> None:
    import snowflake.connector

    with snowflake.connector.connect(**snowflake_kwargs) as conn:
        dataset.load_snowflake(peer_dataset, conn)
        cur = conn.cursor()
        [row] = cur.execute(dataset.SUMMARY_SQL.format(table=dataset.TABLE)).fetchall()
        [first] = cur.execute("SELECT ts, amount FROM predictions WHERE id = 0").fetchall()
    # fakesnow returns SUM(NUMBER(12,4)) as a DOUBLE: summary_from_row rounds it back to 4 places.
    _assert_round_trip(dataset.summary_from_row(row), peer_dataset)
    assert first == (peer_dataset["ts"][0].as_py(), peer_dataset["amount"][0].as_py())


def test_bigquery_loader(peer_dataset: pa.Table, bigquery_emulator) -> None:
    client = bigquery_emulator.client()
    ds = f"t_{uuid.uuid4().hex[:10]}"
    dataset.load_bigquery(peer_dataset, client, ds)
    table = f"`{client.project}.{ds}.{dataset.TABLE}`"
    [row] = list(client.query(dataset.SUMMARY_SQL.format(table=table)).result())
    _assert_round_trip(dataset.summary_from_row(row.values()), peer_dataset)
    schema = {f.name: f.field_type for f in client.get_table(f"{client.project}.{ds}.{dataset.TABLE}").schema}
    assert schema["ts"] == "DATETIME" and schema["ts_tz"] == "TIMESTAMP" and schema["amount"] == "NUMERIC"
    [first] = list(client.query(f"SELECT ts, ts_tz FROM {table} WHERE id = 0").result())
    assert first["ts"] == peer_dataset["ts"][0].as_py()
    assert first["ts_tz"] == peer_dataset["ts_tz"][0].as_py()


def test_s3_parquet_loader_with_hive_partitions(peer_dataset: pa.Table, s3_peer) -> None:
    fs = s3_peer.server.filesystem()
    base = f"{s3_peer.bucket}/predictions"
    dataset.load_s3_parquet(peer_dataset, fs, base)
    keys = sorted(o["Key"] for o in s3_peer.server.client("s3").list_objects_v2(Bucket=s3_peer.bucket)["Contents"])
    files = [k for k in keys if not k.endswith("/")]  # pyarrow also writes empty "folder/" marker objects
    assert files[0] == "predictions/day=2024-03-01/part-0.parquet" and len(files) == dataset.DAYS
    con = duckdb.connect()
    try:
        con.register("predictions", dataset.s3_parquet_dataset(fs, base))
        _assert_round_trip(_duckdb_summary("predictions", con), peer_dataset)
        one_day = con.execute("SELECT count(*) FROM predictions WHERE day = DATE '2024-03-04'").fetchall()
    finally:
        con.close()
    assert one_day == [(dataset.ROWS // dataset.DAYS,)]


def test_glue_describes_the_s3_copy(peer_dataset: pa.Table, s3_peer) -> None:
    glue = s3_peer.server.client("glue")
    db = f"db_{s3_peer.bucket[-12:]}"
    dataset.register_glue_table(glue, db, dataset.TABLE, f"s3://{s3_peer.bucket}/predictions/")
    got = glue.get_table(DatabaseName=db, Name=dataset.TABLE)["Table"]
    assert [c["Name"] for c in got["StorageDescriptor"]["Columns"]] == [n for n in dataset.SCHEMA.names if n != "day"]
    assert got["PartitionKeys"] == [{"Name": "day", "Type": "date"}]
    assert {c["Name"]: c["Type"] for c in got["StorageDescriptor"]["Columns"]}["amount"] == "decimal(12,4)"


@pytest.mark.parametrize("where", ["local", "s3"])
def test_delta_loader(peer_dataset: pa.Table, where: str, tmp_path, request) -> None:
    from peers import delta

    if where == "local":
        uri, options = str(tmp_path / "predictions"), None
    else:
        s3_peer = request.getfixturevalue("s3_peer")
        uri, options = f"s3://{s3_peer.bucket}/delta/predictions", s3_peer.server.delta_storage_options()
    dataset.load_delta(peer_dataset, uri, options)
    con = duckdb.connect()
    try:
        con.register("predictions", delta.scan(uri, options))
        _assert_round_trip(_duckdb_summary("predictions", con), peer_dataset)
        [(n, total)] = con.execute("SELECT count(*), sum(amount) FROM predictions "
                                   "WHERE day >= DATE '2024-03-06' AND category = 'a'").fetchall()
    finally:
        con.close()
    mask = [d >= dt.date(2024, 3, 6) and c == "a"
            for d, c in zip(peer_dataset["day"].to_pylist(), peer_dataset["category"].to_pylist())]
    want = [a for a, m in zip(peer_dataset["amount"].to_pylist(), mask) if m]
    assert (n, total) == (len(want), sum(want, Decimal(0)))
