"""Keys that would be accepted and silently ignored are refused at telltale.yml:LINE:COL.

The charter: config naming a feature that does not work is rejected (exit 2), never
accepted and ignored. Each case here was once accepted and then read by no connector.
"""

from __future__ import annotations

import pytest

from telltale.config import ConfigProblems

BASE = """\
version: 1
connections:
  wh: {type: duckdb, database: w.duckdb}
models:
  credit:
    type: binary
    connection: wh
    source: {table: predictions}
    timestamp: predicted_at
    predictions: {score: numeric}
"""


def one(err: ConfigProblems) -> str:
    """The single problem's text."""
    assert len(err.problems) == 1, str(err)
    return str(err)


@pytest.mark.parametrize("conn, hint", [
    ("{type: duckdb, database: w.duckdb, endpoint: \"http://localhost:1\"}", "embedded"),
    ("{type: postgres, host: db, endpoint: \"db.internal:99999\"}", "is not host or host:port"),
    ("{type: redshift, host: rs, database: dev, endpoint: \"http://rs/x\"}", "is not host or host:port"),
    ("{type: postgres, url: \"postgresql://u@db/x\", endpoint: \"db2:5432\"}", "put the endpoint's host"),
])
def test_endpoint_is_refused_where_it_cannot_apply(error, conn: str, hint: str):
    msg = one(error(BASE.replace("{type: duckdb, database: w.duckdb}", conn)))
    assert msg.startswith("telltale.yml:3:")
    assert "connections.wh.endpoint: " in msg
    assert hint in msg
    if "duckdb" in conn:
        assert "postgres, redshift, snowflake, bigquery, athena, s3 or delta" in msg


@pytest.mark.parametrize("conn, host, port", [
    ("{type: postgres, host: db, endpoint: \"db.internal:6432\"}", "db.internal", 6432),
    ("{type: postgres, database: x, endpoint: db.internal}", "db.internal", 5432),
    ("{type: redshift, host: rs, database: dev, endpoint: \"vpce-1.redshift.aws:5440\"}", "vpce-1.redshift.aws", 5440),
])
def test_a_server_endpoint_overrides_host_and_port(parse, conn: str, host: str, port: int):
    """postgres and redshift read `endpoint` as host[:port] in place of host and port."""
    wh = parse(BASE.replace("{type: duckdb, database: w.duckdb}", conn)).config.connections["wh"]
    params = wh.params()
    assert (params["host"], params["port"]) == (host, port) and "endpoint" not in params


@pytest.mark.parametrize("conn", [
    "{type: snowflake, account: acme, endpoint: \"localhost:8080\"}",
    "{type: bigquery, project: p, endpoint: \"http://localhost:9050\"}",
    "{type: athena, s3_staging_dir: \"s3://b/r/\", endpoint: \"http://localhost:5000\"}",
    "{type: s3, endpoint: \"http://localhost:9000\"}",
    "{type: delta, endpoint: \"http://localhost:9000\"}",
])
def test_endpoint_is_kept_where_a_connector_reads_it(parse, conn: str):
    text = BASE.replace("{type: duckdb, database: w.duckdb}", conn)
    if conn.startswith(("{type: s3", "{type: delta")):
        text = text.replace("{table: predictions}", "{path: \"s3://b/p/\"}")
    assert parse(text).config.connections["wh"].endpoint is not None


def test_source_options_are_refused(error):
    """No connector reads `source.options`: an unknown key, with the allowed ones listed."""
    msg = one(error(BASE.replace("{table: predictions}", "{table: predictions, options: {x: 1}}")))
    assert msg.startswith("telltale.yml:8:")
    assert "models.credit.source.options: unknown key 'options'" in msg
    assert "allowed keys: table, sql, path, format, partitioning" in msg


@pytest.mark.parametrize("url", ["garbage", "''", "\"sqlite//x.db\""])
def test_store_that_is_not_a_url_is_located(error, url: str):
    msg = one(error(BASE.replace("version: 1\n", f"version: 1\nstore: {url}\n")))
    assert msg.startswith("telltale.yml:2:8: store: ")
    assert "is not a SQLAlchemy URL" in msg and "sqlite:///.telltale/state.db" in msg


def test_store_of_an_unknown_backend_is_located(error):
    msg = one(error(BASE.replace("version: 1\n", "version: 1\nstore: \"nosuchdb://u@h/x\"\n")))
    assert msg.startswith("telltale.yml:2:8: store: ")
    assert "nosuchdb" in msg


def test_store_url_password_is_not_echoed(error):
    msg = one(error(BASE.replace("version: 1\n", "version: 1\nstore: \"nosuchdb://u:hunter22@h/x\"\n")))
    assert "hunter22" not in msg


@pytest.mark.parametrize("url", ["sqlite:///.telltale/state.db", "sqlite://", "sqlite:///:memory:",
                                 "postgresql+psycopg://u@h/db", "sqlite:////tmp/x/state.db"])
def test_store_urls_still_accepted(parse, url: str):
    assert parse(BASE.replace("version: 1\n", f"version: 1\nstore: \"{url}\"\n")).config.store == url
