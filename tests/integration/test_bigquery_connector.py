"""The bigquery connector against bqemulator (a real REST server, DuckDB inside), through google-cloud-bigquery.

Blind spots of the peer, covered in tests/unit/connectors/test_bigquery.py on the SQL instead:
it accepts a DATETIME literal compared with a TIMESTAMP column (real BigQuery does not) and
reports 0 bytes processed for every query and dry run, so bytes are asserted to be the
engine's report (0 here), and partition pruning is asserted on the predicate's shape.
Failures use real servers too: a closed port (unreachable), a socket that never answers
(timeout) and a local OAuth token endpoint that refuses the key (bad credentials).
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import pyarrow.compute as pc
import pytest
from sqlglot import exp

from peers import bigquery as bq_peer
from peers import dataset
from peers.harness import import_client
from telltale.connectors.base import SourceSpec
from telltale.connectors.bigquery import DIALECT, TAG, BigQueryConnector
from telltale.errors import ConnectorError

bigquery = import_client("google.cloud.bigquery")
DAY1, DAY3 = datetime(2024, 3, 2), datetime(2024, 3, 4)


@pytest.fixture(scope="module")
def loaded(bigquery_emulator: bq_peer.BigQueryEmulator, peer_dataset) -> str:
    """A fresh dataset holding the shared test table `predictions`."""
    name = f"it_{uuid.uuid4().hex[:10]}"
    dataset.load_bigquery(peer_dataset, bigquery_emulator.client(), name)
    return name


@pytest.fixture
def conn(bigquery_emulator: bq_peer.BigQueryEmulator, loaded: str) -> Iterator[BigQueryConnector]:
    c = BigQueryConnector(project=bigquery_emulator.project, dataset=loaded, endpoint=bigquery_emulator.url,
                          labels={"team": "ml"}, max_bytes_billed=10**12, timeout=120)
    yield c
    c.close()


def _daily(conn: BigQueryConnector, column: str) -> exp.Select:
    """What the planner sends: CAST(col AS DATE) buckets, the bare column between string literals."""
    col = exp.column(column)
    bucket = DIALECT.bucket(col, "day")
    where = exp.and_(exp.GTE(this=col.copy(), expression=DIALECT.time_value(DAY1)),
                     exp.LT(this=col.copy(), expression=DIALECT.time_value(DAY3)))
    return (exp.select(bucket.as_("__bucket"), exp.Count(this=exp.Star()).as_("__n"),
                       exp.Sum(this=exp.column("n_big")).as_("s_big"), exp.Sum(this=exp.column("amount")).as_("s_amt"))
            .from_(conn.relation(SourceSpec(table="predictions"))).where(where)
            .group_by(bucket.copy()).order_by(exp.column("__bucket")))


@pytest.mark.parametrize("column", ["ts", "ts_tz", "day"])   # DATETIME, TIMESTAMP, DATE
def test_daily_buckets_and_string_bounds_give_the_raw_rows_numbers(conn, peer_dataset, column: str) -> None:
    table, stats = conn.execute(_daily(conn, column))
    days = peer_dataset["day"].to_pylist()
    want: dict = {}
    for d, big, amt in zip(days, peer_dataset["n_big"].to_pylist(), peer_dataset["amount"].to_pylist()):
        if DAY1.date() <= d < DAY3.date():
            n, sb, sa = want.get(d, (0, 0, Decimal(0)))
            want[d] = (n + 1, sb + big, sa + amt)
    got = {r["__bucket"]: (r["__n"], r["s_big"], r["s_amt"]) for r in table.to_pylist()}
    assert got == want and len(got) == 2          # exact: integers and NUMERIC sums
    assert table.column_names == ["__bucket", "__n", "s_big", "s_amt"]
    assert "CAST(" + column + " AS DATE)" in stats.sql.replace("`", "")
    assert stats.bytes_scanned == 0               # what the emulator reports for every query


def test_describe_reads_the_catalog_without_a_query(conn, bigquery_emulator) -> None:
    client = bigquery_emulator.client()
    before = {j.job_id for j in client.list_jobs()}
    kinds = conn.describe(SourceSpec(table="predictions"))
    assert {j.job_id for j in client.list_jobs()} == before     # get_table: metadata, no job
    assert kinds == {"id": "numeric", "ts": "timestamp", "ts_tz": "timestamp", "day": "date", "n_int": "numeric",
                     "n_big": "numeric", "amount": "numeric", "x": "numeric", "flag": "boolean",
                     "category": "string", "label": "numeric", "score": "numeric"}
    sql_kinds = conn.describe(SourceSpec(sql="SELECT id, ts_tz AS t, flag FROM predictions"))
    assert sql_kinds == {"id": "numeric", "t": "timestamp", "flag": "boolean"}
    new = [client.get_job(j.job_id) for j in client.list_jobs() if j.job_id not in before]
    assert new and all(j.dry_run for j in new)                   # a SELECT source: dry runs only


def test_every_job_carries_labels_cap_timeout_utc_and_dataset(conn, bigquery_emulator, loaded) -> None:
    """As the server echoed the job back on insert (bqemulator keeps only the SQL of a finished job)."""
    table, _ = conn.execute(exp.select(exp.Count(this=exp.Star()).as_("n")).from_("predictions"))
    assert table.to_pylist() == [{"n": dataset.ROWS}]
    job = conn.last_job
    assert bigquery_emulator.client().get_job(job.job_id).state == "DONE"
    assert job.labels == {"team": "ml", **TAG}
    assert job.maximum_bytes_billed == 10**12
    assert int(job._properties["configuration"]["jobTimeoutMs"]) == 120_000
    assert [(p.key, p.value) for p in job.connection_properties] == [("time_zone", "UTC")]
    assert job.default_dataset.dataset_id == loaded


def test_dry_run_estimate_is_the_engines_report(conn) -> None:
    query = _daily(conn, "ts_tz")
    assert conn.estimate(query) == 0        # bqemulator has no cost model; BigQuery returns the bytes


def test_a_missing_table_and_a_missing_column_say_what_to_check(conn) -> None:
    with pytest.raises(ConnectorError, match="not found: .*nope.*check `project`, `dataset`"):
        conn.describe(SourceSpec(table="nope"))
    with pytest.raises(ConnectorError, match="(?s)(not found|rejected the query).*nope"):
        conn.execute(exp.select("*").from_("nope"))
    with pytest.raises(ConnectorError, match="(?s)rejected the query.*no_such_col"):
        conn.execute(exp.select(exp.column("no_such_col")).from_("predictions"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_endpoint_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    c = BigQueryConnector(project="p", dataset="d", endpoint=url)
    try:
        with pytest.raises(ConnectorError, match=f"cannot reach BigQuery at {url} .*check the network"):
            c.execute(exp.select(exp.Literal.number(1).as_("one")))
    finally:
        c.close()


def test_a_query_that_outlives_the_timeout_is_stopped() -> None:
    """A server that accepts the request and never answers: the client gives up after `timeout`."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        held: list[socket.socket] = []
        stop = threading.Event()

        def accept() -> None:
            server.settimeout(0.2)
            while not stop.is_set():
                try:
                    held.append(server.accept()[0])
                except OSError:
                    continue

        t = threading.Thread(target=accept, daemon=True)
        t.start()
        c = BigQueryConnector(project="p", endpoint=f"http://127.0.0.1:{server.getsockname()[1]}", timeout=0.5)
        try:
            with pytest.raises(ConnectorError, match=r"did not finish within 0.5 s \(`timeout`\)"):
                c.execute(exp.select(exp.Literal.number(1).as_("one")))
        finally:
            c.close()
            stop.set()
            t.join()
            for s in held:
                s.close()
    assert len(held) == 1          # a timeout is not retried


def _service_account_key(path: Path, token_uri: str) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path.write_text(json.dumps({"type": "service_account", "project_id": "keyproj", "private_key_id": "k1",
                                "private_key": pem, "client_email": "telltale@keyproj.iam.gserviceaccount.com",
                                "client_id": "1", "token_uri": token_uri}))
    return path


def test_a_refused_service_account_key_says_to_check_the_credentials(tmp_path: Path, httpserver,
                                                                     bigquery_emulator) -> None:
    """The key's token endpoint is a local server answering as Google does for a revoked key."""
    httpserver.expect_request("/token", method="POST").respond_with_json(
        {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}, status=400)
    key = _service_account_key(tmp_path / "key.json", httpserver.url_for("/token"))
    c = BigQueryConnector(base_dir=tmp_path, credentials_file="key.json", endpoint=bigquery_emulator.url)
    try:
        assert c.project == "keyproj"        # the project defaults to the key's
        with pytest.raises(ConnectorError, match="credentials were refused .*invalid_grant.*check `credentials_file`"):
            c.execute(exp.select(exp.Literal.number(1).as_("one")))
    finally:
        c.close()
    assert key.exists()


def test_a_missing_or_malformed_key_file_fails_at_open(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError, match="credentials_file .*missing.json does not exist"):
        BigQueryConnector(base_dir=tmp_path, credentials_file="missing.json")
    (tmp_path / "bad.json").write_text(json.dumps({"type": "service_account"}))
    with pytest.raises(ConnectorError, match="is not a service-account key"):
        BigQueryConnector(base_dir=tmp_path, credentials_file="bad.json")


def test_sums_and_counts_per_utc_day_match_for_the_timestamp_column(conn, peer_dataset) -> None:
    """TIMESTAMP buckets are UTC days (the session's time zone is pinned): each day's count."""
    table, _ = conn.execute(
        exp.select(DIALECT.bucket(exp.column("ts_tz"), "day").as_("d"), exp.Count(this=exp.Star()).as_("n"))
        .from_("predictions").group_by(DIALECT.bucket(exp.column("ts_tz"), "day")))
    want = Counter(v.date() for v in peer_dataset["ts_tz"].to_pylist())
    assert {r["d"]: r["n"] for r in table.to_pylist()} == want
    assert min(want) == (dataset.START).date() and max(want) == (dataset.START + timedelta(days=9)).date()
    assert pc.sum(peer_dataset["n_big"]).as_py() > 0
