"""The s3 connector against moto's S3 on loopback (a real S3 API; the SQL runs on an in-process DuckDB).

moto's blind spots: it accepts any access key (credentials are not checked, so a refused key
cannot be shown here; a missing profile can), and it has no IAM policies, latency or
throttling.

Pitfall: the suite's moto is a thread of the test process. DuckDB holds the GIL while it pulls
the first batch of a CSV or JSON dataset, which needs a HeadObject from moto, which needs the
GIL: a deadlock until pyarrow's request timeout (Parquet is not affected). The CSV/JSON test
therefore uses a moto server in a process of its own (`moto_process`); real S3 is never in
the reading process.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import socket
import subprocess
import sys
import time
from types import SimpleNamespace
from typing import Iterator

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
import sqlglot
from sqlglot import exp

from peers import dataset
from scan_plan import arrow_scan, window_query
from telltale.connectors.base import SourceSpec
from telltale.connectors.s3 import S3Connector
from telltale.core.timeutil import TimeRange
from telltale.errors import ConfigError, ConnectorError

UTC = dt.timezone.utc
DAY3 = TimeRange(dt.datetime(2024, 3, 3, tzinfo=UTC), dt.datetime(2024, 3, 4, tzinfo=UTC))


@pytest.fixture
def loaded(s3_peer, peer_dataset):
    """The dataset as Hive-partitioned Parquet under s3://<bucket>/p/day=YYYY-MM-DD/part-0.parquet."""
    dataset.load_s3_parquet(peer_dataset, s3_peer.server.filesystem(), f"{s3_peer.bucket}/p")
    return s3_peer


def connector(peer, **kwargs) -> S3Connector:
    return S3Connector(endpoint=peer.endpoint_url, region=peer.region, **kwargs)


def put(peer, key: str, body: bytes) -> None:
    peer.server.client("s3").put_object(Bucket=peer.bucket, Key=key, Body=body)


def hive(peer) -> SourceSpec:
    return SourceSpec(path=f"s3://{peer.bucket}/p/", format="parquet", partitioning="hive")


def summary(conn: S3Connector, source: SourceSpec) -> dict:
    rel = conn.relation(source).sql("duckdb")
    table, stats = conn.execute(sqlglot.parse_one(dataset.SUMMARY_SQL.format(table=rel), read="duckdb"))
    assert stats.rows == 1 and stats.bytes_scanned is None
    return dataset.summary_from_row(table.to_pylist()[0].values())


def test_describe_reads_kinds_from_the_files_and_partition_folders(loaded) -> None:
    conn = connector(loaded)
    kinds = conn.describe(hive(loaded))
    assert kinds == {"id": "numeric", "ts": "timestamp", "ts_tz": "timestamp", "n_int": "numeric",
                     "n_big": "numeric", "amount": "numeric", "x": "numeric", "flag": "boolean",
                     "category": "string", "label": "numeric", "score": "numeric", "day": "date"}
    conn.close()


def test_the_files_give_back_the_dataset(loaded, peer_dataset) -> None:
    conn = connector(loaded)
    got, want = summary(conn, hive(loaded)), dataset.summary(peer_dataset)
    assert got.pop("sum_x") == pytest.approx(want.pop("sum_x"), rel=1e-12)   # a sum of doubles in another order
    assert got == want
    conn.close()


def test_time_filter_and_projection_are_pushed_into_the_dataset_scan(loaded) -> None:
    """Only `x` (and the filter's `ts`) is read, and only the window's 200 rows leave the scan."""
    conn = connector(loaded)
    query = window_query(conn.relation(hive(loaded)), "x", "ts", DAY3)
    scan = arrow_scan(conn.scan.connection, query.sql("duckdb"))
    assert scan["projections"] == "x"
    assert "TIMESTAMP '2024-03-03 00:00:00'" in scan["filters"] and "TIMESTAMP '2024-03-04" in scan["filters"]
    assert scan["rows"] == 200   # of 2,000: the filter ran inside the scan
    conn.close()


def test_hive_partitions_outside_the_window_are_never_opened(loaded) -> None:
    """A garbage file in the day=2024-03-10 partition: a window on `day` that excludes it
    succeeds (the partition was pruned from the folder name), a read of everything fails."""
    put(loaded, "p/day=2024-03-10/part-0.parquet", b"not parquet at all")
    conn = connector(loaded)
    rel = conn.relation(hive(loaded))
    query = window_query(rel, "x", "day", DAY3)
    table, _ = conn.execute(query)
    assert table.column("s")[0].as_py() == pytest.approx(2000.5417212804218, rel=1e-12)
    assert "DATE '2024-03-03'" in arrow_scan(conn.scan.connection, query.sql("duckdb"))["filters"]
    with pytest.raises(ConnectorError, match="S3 query failed.*day=2024-03-10/part-0.parquet"):
        conn.execute(exp.select("COUNT(*)").from_(rel.copy()))
    conn.close()


@pytest.fixture
def moto_process(moto_server) -> Iterator[SimpleNamespace]:
    """moto's server in a process of its own on a free loopback port, with a bucket (see the docstring)."""
    from peers import s3 as s3_peers

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("moto's server process did not start")
                time.sleep(0.1)
        server = s3_peers.MotoServer(None, f"http://127.0.0.1:{port}", 0.0)
        with s3_peers.aws_env(server):
            yield SimpleNamespace(server=server, endpoint_url=server.endpoint_url, region=s3_peers.REGION,
                                  bucket=server.new_bucket())
    finally:
        proc.terminate()
        proc.wait(10)


def test_csv_and_json_lines_under_a_prefix_skipping_markers(moto_process) -> None:
    s3_peer = moto_process
    rows = [{"id": i, "ts": f"2024-03-0{1 + i % 3} 12:00:00", "x": i / 2} for i in range(30)]
    table = pa.Table.from_pylist(rows)
    for n, part in enumerate((table.slice(0, 10), table.slice(10))):
        buf = io.BytesIO()
        pacsv.write_csv(part, buf)
        put(s3_peer, f"csv/part-{n}.csv", buf.getvalue())
        put(s3_peer, f"json/part-{n}.json", "".join(json.dumps(r) + "\n" for r in part.to_pylist()).encode())
    for prefix in ("csv", "json"):
        put(s3_peer, f"{prefix}/_SUCCESS", b"")
        put(s3_peer, f"{prefix}/", b"")   # a folder marker, as consoles and pyarrow write them
    conn = connector(s3_peer)
    for fmt, prefix in (("csv", "csv"), ("jsonl", "json")):
        source = SourceSpec(path=f"s3://{s3_peer.bucket}/{prefix}/", format=fmt)
        assert conn.describe(source)["x"] == "numeric"
        got, _ = conn.execute(exp.select("COUNT(*) AS n", "SUM(x) AS s").from_(conn.relation(source)))
        assert got.to_pylist() == [{"n": 30, "s": sum(r["x"] for r in rows)}]
    conn.close()


def test_a_missing_prefix_names_the_path(s3_peer) -> None:
    conn = connector(s3_peer)
    with pytest.raises(ConnectorError, match=rf"nothing at s3://{s3_peer.bucket}/nope/.*check the bucket"):
        conn.describe(SourceSpec(path=f"s3://{s3_peer.bucket}/nope/", format="parquet"))
    conn.close()


def test_an_unreachable_endpoint_says_what_to_check() -> None:
    conn = S3Connector(endpoint="http://127.0.0.1:9", region="us-east-1",
                       options={"access_key": "k", "secret_key": "s", "connect_timeout": 1,
                                "retry_strategy": __import__("pyarrow.fs").fs.AwsStandardS3RetryStrategy(1)})
    with pytest.raises(ConnectorError, match="check `endpoint`, `region` and the network"):
        conn.describe(SourceSpec(path="s3://bucket/p/", format="parquet"))
    conn.close()


def test_an_unknown_profile_and_a_bad_option_are_clear(s3_peer) -> None:
    with pytest.raises(ConnectorError, match="AWS profile 'no-such-profile'"):
        connector(s3_peer, profile="no-such-profile").describe(hive(s3_peer))
    with pytest.raises(ConnectorError, match="keywords of pyarrow.fs.S3FileSystem"):
        connector(s3_peer, options={"no_such_option": 1}).describe(hive(s3_peer))
    with pytest.raises(ConfigError, match="reads s3://bucket/prefix/ paths"):
        connector(s3_peer).relation(SourceSpec(path="/local/folder", format="parquet"))


def test_a_slow_query_is_interrupted_at_the_timeout(loaded) -> None:
    conn = connector(loaded, timeout=0.5)
    rel = conn.relation(hive(loaded))
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


def test_the_session_is_utc(loaded) -> None:
    """A TIMESTAMPTZ late in the UTC day falls on that UTC date, whatever the host's zone."""
    conn = connector(loaded)
    rel = conn.relation(hive(loaded))
    assert conn.scan.connection.sql("SELECT current_setting('TimeZone')").fetchall() == [("UTC",)]
    q = sqlglot.parse_one("SELECT COUNT(*) AS n FROM t WHERE CAST(ts_tz AS DATE) <> day", read="duckdb")
    q = q.transform(lambda n: rel.copy() if isinstance(n, exp.Table) and n.name == "t" else n)
    table, _ = conn.execute(q)
    assert table.to_pylist() == [{"n": 0}]
    conn.close()
