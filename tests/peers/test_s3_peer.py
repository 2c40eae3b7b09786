"""The S3, Glue and Athena test peer: moto's server on loopback, reached as the connectors will."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq

from peers import s3 as s3_peer_module
from peers._process_util import listening_hosts
from peers.harness import import_client

boto3 = import_client("boto3")
pyathena = import_client("pyathena")


def test_boto3_put_and_get(s3_peer) -> None:
    s3 = boto3.client("s3", endpoint_url=s3_peer.endpoint_url)  # region and credentials from the environment
    s3.put_object(Bucket=s3_peer.bucket, Key="a/b.txt", Body=b"telltale")
    assert s3.get_object(Bucket=s3_peer.bucket, Key="a/b.txt")["Body"].read() == b"telltale"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=s3_peer.bucket)["Contents"]]
    assert keys == ["a/b.txt"]


def test_pyarrow_writes_and_reads_parquet(s3_peer) -> None:
    fs = s3_peer.server.filesystem()
    table = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "x": [0.5, None, 2.0]})
    pq.write_table(table, f"{s3_peer.bucket}/data/part-0.parquet", filesystem=fs)
    assert pq.read_table(f"{s3_peer.bucket}/data/part-0.parquet", filesystem=fs).equals(table)


def test_glue_catalog_create_and_get_table(s3_peer) -> None:
    glue = s3_peer.server.client("glue")
    glue.create_database(DatabaseInput={"Name": f"db_{s3_peer.bucket[-12:]}"})
    glue.create_table(DatabaseName=f"db_{s3_peer.bucket[-12:]}", TableInput={
        "Name": "predictions",
        "PartitionKeys": [{"Name": "day", "Type": "date"}],
        "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "score", "Type": "double"}],
                              "Location": f"s3://{s3_peer.bucket}/predictions/"}})
    got = glue.get_table(DatabaseName=f"db_{s3_peer.bucket[-12:]}", Name="predictions")["Table"]
    assert got["StorageDescriptor"]["Columns"] == [{"Name": "id", "Type": "bigint"},
                                                   {"Name": "score", "Type": "double"}]
    assert got["PartitionKeys"] == [{"Name": "day", "Type": "date"}]


def test_athena_canned_results_through_pyathena(s3_peer) -> None:
    s3_peer.server.set_athena_results([("n", "bigint"), ("mean_score", "double"), ("tag", "varchar")],
                                      [[3, 0.25, "a"], [0, None, None]])
    conn = pyathena.connect(s3_staging_dir=f"s3://{s3_peer.bucket}/athena/", region_name=s3_peer.region,
                            endpoint_url=s3_peer.endpoint_url, schema_name="default", poll_interval=0.05)
    cur = conn.cursor()
    cur.execute("SELECT count(*) AS n, avg(score) AS mean_score, max(tag) AS tag FROM predictions")
    assert [d[0] for d in cur.description] == ["n", "mean_score", "tag"]
    assert cur.fetchall() == [(3, 0.25, "a"), (0, None, None)]
    assert cur.state == "SUCCEEDED" and cur.query_id
    assert cur.data_scanned_in_bytes == 0  # moto reports statistics, but scans nothing
    # The canned rows were for that one query: the next one gets moto's default (no rows).
    cur.execute("SELECT 1")
    assert cur.fetchall() == []


def test_athena_api_flow_with_boto3(s3_peer) -> None:
    athena = s3_peer.server.client("athena")
    s3_peer.server.set_athena_results([("k", "integer")], [[7]])
    qid = athena.start_query_execution(
        QueryString="SELECT 7 AS k", ResultConfiguration={"OutputLocation": f"s3://{s3_peer.bucket}/athena/"},
        WorkGroup="primary")["QueryExecutionId"]
    execution = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
    assert execution["Status"]["State"] == "SUCCEEDED"
    assert execution["Statistics"]["DataScannedInBytes"] == 0
    rows = athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
    assert rows == [{"Data": [{"VarCharValue": "k"}]}, {"Data": [{"VarCharValue": "7"}]}]


def test_aws_environment_is_set_only_inside_the_fixture(moto_server) -> None:
    before = {k: os.environ.get(k) for k in moto_server.env()}
    with s3_peer_module.aws_env(moto_server) as env:
        assert os.environ["AWS_ENDPOINT_URL"] == moto_server.endpoint_url == env["AWS_ENDPOINT_URL"]
        assert os.environ["AWS_ACCESS_KEY_ID"] == s3_peer_module.ACCESS_KEY
    assert {k: os.environ.get(k) for k in moto_server.env()} == before


def test_server_listens_on_loopback(moto_server) -> None:
    assert moto_server.endpoint_url.startswith("http://127.0.0.1:")
    port = int(moto_server.endpoint_url.rsplit(":", 1)[1])
    assert port != 5000  # a free port, not moto's default
    assert listening_hosts(port) == {"127.0.0.1"}
