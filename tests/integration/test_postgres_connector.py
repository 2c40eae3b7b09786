"""The PostgreSQL and Redshift connectors against a real PostgreSQL (tests/peers/postgres.py).

Redshift is exercised through `driver: psycopg` on the same PostgreSQL (redshift_connector
cannot connect to PostgreSQL). Blind spot: PostgreSQL accepts what real Redshift rejects
(several PERCENTILE_CONT orderings in one statement, TABLESAMPLE) and what Redshift lacks
(`default_transaction_read_only`, which the Redshift connector does not use): those rules
are checked on the generated SQL in tests/unit/connectors/test_postgres.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Iterator

import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp

from peers import dataset
from telltale.connectors.base import SourceSpec
from telltale.connectors.postgres import PostgresConnector
from telltale.connectors.redshift import RedshiftConnector
from telltale.errors import ConnectorError, UnsafeQueryError


@pytest.fixture(scope="module")
def pg(postgres_server: Any) -> Iterator[dict[str, Any]]:
    """A database holding the shared dataset as `predictions` (and a copy in schema `other`)."""
    name = f"conn_{uuid.uuid4().hex[:8]}"
    postgres_server.execute(f'CREATE DATABASE "{name}"')
    table = dataset.build()
    conninfo = postgres_server.conninfo(name)
    dataset.load_postgres(table, conninfo)
    postgres_server.execute("CREATE SCHEMA other", name)
    dataset.load_postgres(table.slice(0, 10), conninfo, "other.predictions")
    yield {"host": postgres_server.host, "port": postgres_server.port, "database": name,
           "user": "postgres", "server": postgres_server, "table": table}
    postgres_server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _kwargs(pg: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {k: pg[k] for k in ("host", "port", "database", "user")} | extra


def sql(text: str) -> exp.Expression:
    return sqlglot.parse_one(text, read="postgres")


@pytest.fixture(params=["postgres", "redshift"])
def connector(request: pytest.FixtureRequest, pg: dict[str, Any]) -> Iterator[Any]:
    """The PostgreSQL connector, and the Redshift connector through psycopg."""
    c = (PostgresConnector(**_kwargs(pg)) if request.param == "postgres"
         else RedshiftConnector(**_kwargs(pg, driver="psycopg")))
    yield c
    c.close()


def test_execute_returns_arrow_under_the_asked_names(connector: Any, pg: dict[str, Any]) -> None:
    query = sql('SELECT COUNT(*) AS "__n", SUM(n_big) AS p0, SUM(amount) AS p1, '
                'MIN(ts) AS mn, MAX(day) AS "Mx" FROM predictions')
    table, stats = connector.execute(query)
    expected = dataset.summary(pg["table"])
    row = table.to_pylist()[0]
    assert table.column_names == ["__n", "p0", "p1", "mn", "Mx"]
    assert row["__n"] == expected["rows"] == 2000 and stats.rows == 1
    assert int(row["p0"]) == expected["sum_n_big"]
    assert row["p1"] == expected["sum_amount"]
    assert row["mn"] == datetime(2024, 3, 1, 0, 0, 31, 395045) or row["mn"].year == 2024
    assert stats.bytes_scanned is None and "predictions" in stats.sql


def test_session_is_pinned_to_utc_whatever_the_server_says(pg: dict[str, Any]) -> None:
    # the login asks for another zone (a server or role default would do the same); the session SET wins
    c = PostgresConnector(**_kwargs(pg), options={"options": "-c TimeZone=Asia/Tokyo"})
    try:
        table, _ = c.execute(sql("SELECT DATE_TRUNC('day', ts_tz) AS b, ts_tz AS t FROM predictions "
                                 "ORDER BY id LIMIT 1"))
        bucket, t = table.column("b")[0].as_py(), table.column("t")[0].as_py()
        assert t.utcoffset().total_seconds() == 0
        assert bucket == datetime(2024, 3, 1, tzinfo=timezone.utc)   # a UTC day, not Tokyo's
    finally:
        c.close()


def test_session_is_read_only_and_tagged(connector: Any, pg: dict[str, Any]) -> None:
    import psycopg

    with pytest.raises(UnsafeQueryError):
        connector.execute(sqlglot.parse_one("DELETE FROM predictions", read="postgres"))
    # even a write slipping past the guard is refused by the session itself
    con = connector._connection()
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        with con.cursor() as cur:
            if connector.session.read_only_transaction:
                cur.execute("BEGIN READ ONLY")
            cur.execute("CREATE TABLE written (i int)")
    con.rollback() if not con.autocommit else con.execute("ROLLBACK")
    with psycopg.connect(pg["server"].conninfo(pg["database"]), autocommit=True) as admin:
        names = [r[0] for r in admin.execute("SELECT application_name FROM pg_stat_activity "
                                             "WHERE datname = current_database()").fetchall()]
    assert "telltale" in names
    table, _ = connector.execute(sql("SELECT COUNT(*) AS n FROM predictions"))   # still usable
    assert table.column("n")[0].as_py() == 2000


def test_describe_reads_kinds_without_rows(connector: Any) -> None:
    kinds = connector.describe(SourceSpec(table="predictions"))
    assert kinds == {"id": "numeric", "ts": "timestamp", "ts_tz": "timestamp", "day": "date",
                     "n_int": "numeric", "n_big": "numeric", "amount": "numeric", "x": "numeric",
                     "flag": "boolean", "category": "string", "label": "numeric", "score": "numeric"}
    assert connector.describe(SourceSpec(sql="SELECT id, flag AS f FROM predictions")) == \
        {"id": "numeric", "f": "boolean"}


def test_schema_sets_the_search_path(pg: dict[str, Any]) -> None:
    c = PostgresConnector(**_kwargs(pg, schema="other"))
    try:
        table, _ = c.execute(sql("SELECT COUNT(*) AS n FROM predictions"))
        assert table.column("n")[0].as_py() == 10
    finally:
        c.close()


def test_url_form(pg: dict[str, Any]) -> None:
    c = PostgresConnector(url=pg["server"].url(pg["database"]))
    try:
        assert c.execute(sql("SELECT 1 AS one"))[0].column("one")[0].as_py() == 1
    finally:
        c.close()


def test_endpoint_reaches_the_server_in_place_of_host_and_port(pg: dict[str, Any]) -> None:
    """`endpoint: host:port` (a private endpoint, a pooler) overrides the configured host and
    port: here they name a closed port, and the endpoint the real server."""
    from telltale.config.connections import PostgresConnection

    cfg = PostgresConnection.model_validate({"type": "postgres", "host": "127.0.0.1", "port": 1,
                                             "database": pg["database"], "user": pg["user"],
                                             "endpoint": f"{pg['host']}:{pg['port']}"})
    c = cfg.open()
    try:
        assert c.execute(sql("SELECT 1 AS one"))[0].column("one")[0].as_py() == 1
    finally:
        c.close()


def test_missing_table_and_column_say_what_to_check(connector: Any) -> None:
    with pytest.raises(ConnectorError, match="table not found.*check the model's `source`") as err:
        connector.describe(SourceSpec(table="no_such_table"))
    assert err.value.exit_code == 3
    with pytest.raises(ConnectorError, match="column not found"):
        connector.execute(sql("SELECT no_such_column FROM predictions"))
    # the connection survives a failed query (its transaction rolled back)
    assert connector.execute(sql("SELECT 1 AS one"))[0].num_rows == 1


def test_statement_timeout_is_a_clear_error(pg: dict[str, Any]) -> None:
    for c in (PostgresConnector(**_kwargs(pg), timeout=0.2),
              RedshiftConnector(**_kwargs(pg, driver="psycopg"), timeout=0.2)):
        try:
            with pytest.raises(ConnectorError, match=r"statement timeout of 0.2 s.*raise the connection's `timeout`"):
                c.execute(sql("SELECT pg_sleep(2) AS s"))
        finally:
            c.close()


def test_unknown_user_and_unreachable_host(pg: dict[str, Any]) -> None:
    with pytest.raises(ConnectorError, match="refused the login.*check `user` and `password`"):
        PostgresConnector(**_kwargs(pg, user="nobody_here"))
    with pytest.raises(ConnectorError, match="cannot reach PostgreSQL at 127.0.0.1:1/.*check host, port"):
        PostgresConnector(host="127.0.0.1", port=1, database="x", user="u")
    with pytest.raises(ConnectorError, match="database missing"):
        PostgresConnector(**_kwargs(pg, database="no_such_db"))


def test_redshift_connector_needs_a_password_or_iam() -> None:
    pytest.importorskip("redshift_connector")
    with pytest.raises(ConnectorError, match="has no password.*iam"):
        RedshiftConnector(host="example", database="dev", user="u")


def test_dropped_connection_is_reconnected(connector: Any, pg: dict[str, Any]) -> None:
    import psycopg

    pid = connector.execute(sql("SELECT pg_backend_pid() AS pid"))[0].column("pid")[0].as_py()
    with psycopg.connect(pg["server"].conninfo(pg["database"]), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    table, _ = connector.execute(sql("SELECT COUNT(*) AS n FROM predictions"))   # retried on a new session
    assert table.column("n")[0].as_py() == 2000
    assert isinstance(table, pa.Table)


def test_validate_rejects_boolean_mismatches_with_the_fix(pg: dict[str, Any], tmp_path: Any) -> None:
    """On PostgreSQL an INTEGER column mapped boolean fails in AND, and a BOOLEAN column mapped
    numeric fails in CAST(... AS DOUBLE PRECISION): `validate` says so (exit 2) and how to fix."""
    from typer.testing import CliRunner

    from telltale.cli.main import app

    (tmp_path / "telltale.yml").write_text(f"""version: 1
connections:
  pg: {{type: postgres, host: {pg['host']}, port: {pg['port']}, database: {pg['database']}, user: postgres}}
models:
  m:
    type: binary
    connection: pg
    source: {{table: predictions}}
    timestamp: ts
    features: {{flag: numeric, n_int: numeric}}
    predictions: {{score: numeric}}
    actuals: {{label: boolean}}
monitors:
  - {{name: vol, model: m, type: model_activity, detection: {{absolute: {{min: 1}}}}}}
""")
    res = CliRunner().invoke(app, ["validate", "--project", str(tmp_path)])
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert "column 'flag' is boolean, which cannot be monitored as numeric on postgres" in text
    assert "CAST(flag AS INT) AS flag_num" in text
    assert "column 'label' is numeric, which cannot be monitored as boolean on postgres" in text
    assert "label = 1 AS label_flag" in text
