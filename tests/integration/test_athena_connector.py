"""The athena connector against moto's Athena and Glue (the API flow is real; the results are canned).

Blind spot: moto executes no SQL, its DataScannedInBytes is always 0 and it checks no
credentials. What is checked here: the request the connector sends (workgroup, database,
staging dir, the `telltale-` ClientRequestToken tag, the SQL as rendered), polling, the
timeout's StopQueryExecution, fetching and decoding Athena's text results, result names as
asked, the Glue describe (no query run) and the messages. The SQL's meaning is checked on
DuckDB (tests/conformance/target_athena.py) and by parsing it with sqlglot's trino dialect
(tests/unit/connectors/test_athena.py).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import urllib.request
from decimal import Decimal

import pytest
import sqlglot

from peers import dataset
from telltale.connectors.athena import AthenaConnector
from telltale.connectors.base import SourceSpec
from telltale.errors import ConnectorError


def connector(peer, **kwargs) -> AthenaConnector:
    return AthenaConnector(endpoint=peer.endpoint_url, region=peer.region, database="tt", workgroup="primary",
                           s3_staging_dir=f"s3://{peer.bucket}/athena/", **kwargs)


def moto_api(peer, path: str, body: dict) -> None:
    request = urllib.request.Request(f"{peer.endpoint_url}/moto-api/{path}", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).close()


def test_a_query_is_started_tagged_polled_and_fetched(s3_peer) -> None:
    conn = connector(s3_peer)
    sent: list[dict] = []
    conn.athena.meta.events.register("provide-client-params.athena.StartQueryExecution",
                                     lambda params, **_: sent.append(dict(params)))
    s3_peer.server.set_athena_results([("n", "bigint"), ("mean_x", "double")], [(2000, "10.5")])
    query = sqlglot.parse_one('SELECT COUNT(*) AS "n", AVG("x") AS "Mean_X" FROM "predictions"', read="athena")
    table, stats = conn.execute(query)
    assert table.to_pylist() == [{"n": 2000, "Mean_X": 10.5}]   # Athena's lower-case names, as asked
    [request] = sent
    assert request["ClientRequestToken"].startswith("telltale-") and len(request["ClientRequestToken"]) >= 32
    assert request["WorkGroup"] == "primary"
    assert request["QueryExecutionContext"] == {"Database": "tt"}
    assert request["ResultConfiguration"] == {"OutputLocation": f"s3://{s3_peer.bucket}/athena/"}
    assert request["QueryString"] == stats.sql == 'SELECT COUNT(*) AS "n", AVG("x") AS "Mean_X" FROM "predictions"'
    assert stats.bytes_scanned == 0 and stats.rows == 1   # moto's statistic: always 0, but read and reported
    conn.close()


def test_text_results_are_typed(s3_peer) -> None:
    conn = connector(s3_peer)
    s3_peer.server.set_athena_results(
        [("i", "integer"), ("d", "double"), ("m", "decimal"), ("b", "boolean"), ("s", "varchar"),
         ("day", "date"), ("t", "timestamp"), ("tz", "timestamp with time zone")],
        [(1, "NaN", "1.2500", "true", "", "2024-03-01", "2024-03-01 12:30:00.123", "2024-03-01 12:30:00.000 UTC"),
         (None, "Infinity", None, "false", None, None, None, None),
         (-3, "-Infinity", "-0.5000", None, "null", "2024-03-10", "2024-03-10 00:00:00.000", None)])
    table, _ = conn.execute(sqlglot.parse_one("SELECT 1 AS i", read="athena"))
    rows = table.to_pylist()
    assert [r["i"] for r in rows] == [1, None, -3]
    assert math.isnan(rows[0]["d"]) and rows[1]["d"] == math.inf and rows[2]["d"] == -math.inf
    assert [r["m"] for r in rows] == [Decimal("1.2500"), None, Decimal("-0.5000")]
    assert [r["b"] for r in rows] == [True, False, None]
    assert [r["s"] for r in rows] == ["", None, "null"]   # '' and the string 'null' are not NULL
    assert rows[0]["day"] == dt.date(2024, 3, 1)
    assert rows[0]["t"] == dt.datetime(2024, 3, 1, 12, 30, 0, 123000)
    assert rows[0]["tz"] == dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.timezone.utc)
    conn.close()


def test_describe_reads_glue_and_runs_no_query(s3_peer) -> None:
    glue, athena = s3_peer.server.client("glue"), s3_peer.server.client("athena")
    dataset.register_glue_table(glue, "tt", "predictions", f"s3://{s3_peer.bucket}/p/")
    before = len(athena.list_query_executions()["QueryExecutionIds"])
    conn = connector(s3_peer)
    kinds = conn.describe(SourceSpec(table="predictions"))
    assert kinds == {"id": "numeric", "ts": "timestamp", "ts_tz": "timestamp", "n_int": "numeric",
                     "n_big": "numeric", "amount": "numeric", "x": "numeric", "flag": "boolean",
                     "category": "string", "label": "numeric", "score": "numeric", "day": "date"}
    assert conn.describe(SourceSpec(table="tt.Predictions")) == kinds   # Glue names are lower case
    assert len(athena.list_query_executions()["QueryExecutionIds"]) == before
    with pytest.raises(ConnectorError, match="EntityNotFoundException.*check `source.table` and `database`"):
        conn.describe(SourceSpec(table="tt.no_such_table"))
    conn.close()


def test_a_select_source_is_described_by_a_limit_0_query(s3_peer) -> None:
    conn = connector(s3_peer)
    sent: list[str] = []
    conn.athena.meta.events.register("provide-client-params.athena.StartQueryExecution",
                                     lambda params, **_: sent.append(params["QueryString"]))
    s3_peer.server.set_athena_results([("id", "bigint"), ("ts", "timestamp"), ("ok", "boolean"), ("c", "varchar")], [])
    kinds = conn.describe(SourceSpec(sql="SELECT id, ts, ok, c FROM tt.predictions"))
    assert kinds == {"id": "numeric", "ts": "timestamp", "ok": "boolean", "c": "string"}
    assert sent == ['SELECT * FROM (SELECT id, ts, ok, c FROM tt.predictions) AS "s" LIMIT 0']
    conn.close()


def test_a_query_past_its_timeout_is_stopped(s3_peer) -> None:
    athena = s3_peer.server.client("athena")
    moto_api(s3_peer, "state-manager/set-transition",
             {"model_name": "athena::execution", "transition": {"progression": "manual", "times": 10_000}})
    try:
        conn = connector(s3_peer, timeout=0.5)
        with pytest.raises(ConnectorError, match=r"did not finish within the timeout of 0.5 s and was stopped") as err:
            conn.execute(sqlglot.parse_one("SELECT 1 AS x", read="athena"))
        qid = str(err.value).split()[2]
        assert athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"] == "CANCELLED"
        conn.close()
    finally:
        moto_api(s3_peer, "state-manager/unset-transition", {"model_name": "athena::execution"})


def test_an_unreachable_endpoint_says_what_to_check(s3_peer) -> None:
    conn = AthenaConnector(endpoint="http://127.0.0.1:9", region="us-east-1", s3_staging_dir="s3://b/o/",
                           options={"retries": {"mode": "standard", "max_attempts": 1}, "connect_timeout": 1})
    with pytest.raises(ConnectorError, match="check `endpoint`, `region` and the network path"):
        conn.execute(sqlglot.parse_one("SELECT 1 AS x", read="athena"))
    conn.close()


def test_missing_credentials_say_where_to_put_them(monkeypatch, moto_server) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    for key in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.setenv(key, "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    conn = AthenaConnector(endpoint=moto_server.endpoint_url, region="us-east-1", s3_staging_dir="s3://b/o/")
    with pytest.raises(ConnectorError, match="no AWS credentials found: set `profile`"):
        conn.execute(sqlglot.parse_one("SELECT 1 AS x", read="athena"))
    conn.close()


def test_an_unknown_profile_and_a_bad_option_are_clear(s3_peer) -> None:
    with pytest.raises(ConnectorError, match="check `profile`"):
        connector(s3_peer, profile="no-such-profile")
    with pytest.raises(ConnectorError, match="keywords of botocore.config.Config"):
        connector(s3_peer, options={"no_such_option": 1})


def _failed(reason: str, retryable: bool) -> dict:
    return {"QueryExecution": {"QueryExecutionId": "q", "Status": {
        "State": "FAILED", "StateChangeReason": reason,
        "AthenaError": {"ErrorCategory": 1 if retryable else 2, "Retryable": retryable}}}}


def test_failed_queries_are_retried_only_when_athena_says_so(s3_peer, monkeypatch) -> None:
    """Mocked with botocore's Stubber: no peer can make Athena fail a query (moto's executions
    always succeed). A `Retryable` failure is started again; a user error is not, and says what to check."""
    from botocore.stub import ANY, Stubber

    monkeypatch.setattr("telltale.connectors.retry.wait_exponential", lambda **_: (lambda state: 0))
    conn = connector(s3_peer)
    start = {"QueryString": ANY, "ClientRequestToken": ANY, "WorkGroup": "primary",
             "QueryExecutionContext": ANY, "ResultConfiguration": ANY}
    with Stubber(conn.athena) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q"}, start)
        stub.add_response("get_query_execution", _failed("Internal error", True), {"QueryExecutionId": "q"})
        stub.add_response("start_query_execution", {"QueryExecutionId": "q"}, start)
        stub.add_response("get_query_execution",
                          _failed("TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.tt.nope' does not exist",
                                  False), {"QueryExecutionId": "q"})
        with pytest.raises(ConnectorError, match="does not exist; check `source.table` and `database`"):
            conn.execute(sqlglot.parse_one('SELECT 1 AS x FROM "nope"', read="athena"))
        stub.assert_no_pending_responses()
    with Stubber(conn.athena) as stub:
        for _ in range(3):
            stub.add_response("start_query_execution", {"QueryExecutionId": "q"}, start)
            stub.add_response("get_query_execution", _failed("Internal error", True), {"QueryExecutionId": "q"})
        with pytest.raises(ConnectorError, match="failed the query 3 times: Internal error.*run again later"):
            conn.execute(sqlglot.parse_one("SELECT 1 AS x", read="athena"))
