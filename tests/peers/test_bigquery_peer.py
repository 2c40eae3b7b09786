"""The BigQuery test peer: bqemulator in its own environment, reached with google-cloud-bigquery."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path


from peers import bigquery as bq_peer
from peers._process_util import alive, listening_hosts, wait_gone
from peers.harness import import_client

bigquery = import_client("google.cloud.bigquery")


def test_round_trip_through_the_bigquery_client(bigquery_emulator: bq_peer.BigQueryEmulator) -> None:
    client = bigquery_emulator.client()
    dataset = f"t_{uuid.uuid4().hex[:10]}"
    client.create_dataset(dataset)
    table = f"{client.project}.{dataset}.scores"
    client.create_table(bigquery.Table(table, schema=[
        bigquery.SchemaField("id", "INT64"), bigquery.SchemaField("ts", "TIMESTAMP"),
        bigquery.SchemaField("amount", "NUMERIC"), bigquery.SchemaField("tag", "STRING")]))
    errors = client.insert_rows_json(table, [
        {"id": 1, "ts": "2024-03-01T12:30:00+00:00", "amount": "1.25", "tag": "a"},
        {"id": 2, "ts": None, "amount": "-3.0001", "tag": None}])
    assert errors == []
    rows = [tuple(r.values()) for r in client.query(f"SELECT id, ts, amount, tag FROM `{table}` ORDER BY id").result()]
    assert rows == [(1, dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.timezone.utc), Decimal("1.25"), "a"),
                    (2, None, Decimal("-3.0001"), None)]
    arrow = client.query(f"SELECT COUNT(*) AS n, SUM(amount) AS s FROM `{table}`").to_arrow(
        create_bqstorage_client=False)
    assert arrow.to_pylist() == [{"n": 2, "s": Decimal("-1.7501")}]


def test_emulator_listens_on_loopback_in_its_own_environment(bigquery_emulator: bq_peer.BigQueryEmulator) -> None:
    assert bigquery_emulator.url.startswith("http://127.0.0.1:")
    assert bigquery_emulator.runner.info["grpc"].startswith("127.0.0.1:")
    assert listening_hosts(int(bigquery_emulator.url.rsplit(":", 1)[1])) == {"127.0.0.1"}
    assert listening_hosts(int(bigquery_emulator.runner.info["grpc"].rsplit(":", 1)[1])) == {"127.0.0.1"}
    cmdline = Path(f"/proc/{bigquery_emulator.runner.pid}/cmdline").read_bytes().split(b"\0")
    venv = bq_peer.venv().path
    assert Path(cmdline[0].decode()).parent.parent == venv
    assert list((venv / "home" / ".duckdb" / "extensions").glob("v1.5.5/*/spatial.duckdb_extension"))


def test_stop_ends_the_emulator_and_removes_its_folder(bigquery_emulator: bq_peer.BigQueryEmulator) -> None:
    with bq_peer.serving() as other:
        pid, folder = other.runner.pid, other.runner.log_path.parent
        assert other.url != bigquery_emulator.url and alive(pid) and folder.is_dir()
    assert wait_gone(pid), "bqemulator outlived stop()"
    assert not folder.exists()
