"""The DuckDB sandbox: no file access but the database and the configured source paths."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from telltale.cli.main import app
from telltale.connectors.base import SourceSpec
from telltale.connectors.duckdb import DuckDBConnector
from telltale.errors import ConfigError, ConnectorError, UnsafeQueryError

SECRET = "TOPSECRET-42"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A project folder: warehouse.duckdb (table predictions), a parquet file, a hive folder, a secret."""
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("CREATE TABLE predictions AS SELECT TIMESTAMP '2026-03-01' + to_hours(i) AS ts, "
                "i * 1.0 AS x, i / 500 AS score FROM range(500) r(i)")
    con.execute(f"COPY predictions TO '{tmp_path}/preds.parquet' (FORMAT parquet)")
    con.execute(f"COPY (SELECT *, CAST(x AS INTEGER) % 2 AS part FROM predictions) TO '{tmp_path}/hive' "
                "(FORMAT parquet, PARTITION_BY (part), OVERWRITE_OR_IGNORE)")
    con.execute(f"COPY predictions TO '{tmp_path}/other.parquet' (FORMAT parquet)")
    con.close()
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    return tmp_path


def _permission_denied(con, sql: str) -> None:
    with pytest.raises(duckdb.Error) as info:
        con.execute(sql).fetchall()
    assert re.search(r"disabled (by|through) configuration|configuration has been locked", str(info.value)), info.value
    assert SECRET not in str(info.value)


def test_the_connection_itself_refuses_file_access_when_the_guard_is_bypassed(warehouse: Path) -> None:
    c = DuckDBConnector("warehouse.duckdb", base_dir=warehouse)
    con = c.connection                        # straight to DuckDB: no ensure_select in between
    secret = warehouse / "secret.txt"
    _permission_denied(con, f"SELECT * FROM read_text('{secret}')")
    _permission_denied(con, f"SELECT * FROM read_csv('{secret}')")
    _permission_denied(con, f"SELECT * FROM glob('{warehouse}/*')")
    _permission_denied(con, f"SELECT * FROM query('SELECT * FROM read_text(''{secret}'')')")
    _permission_denied(con, f"SELECT * FROM '{warehouse}/preds.parquet'")          # replacement scan
    _permission_denied(con, f"SELECT * FROM read_parquet('{warehouse}/preds.parquet')")  # not configured
    _permission_denied(con, f"ATTACH '{warehouse}/other.duckdb' AS o")
    _permission_denied(con, f"COPY predictions TO '{warehouse}/out.csv'")
    _permission_denied(con, "INSTALL httpfs")
    _permission_denied(con, "LOAD httpfs")
    _permission_denied(con, "SELECT * FROM read_parquet('https://example.com/x.parquet')")
    for unlock in ("SET enable_external_access = true", "SET lock_configuration = false",
                   "RESET lock_configuration", f"SET allowed_paths = ['{secret}']",
                   "SET autoload_known_extensions = true"):
        _permission_denied(con, unlock)
    assert not (warehouse / "out.csv").exists()
    assert con.execute("SELECT count(*) FROM predictions").fetchall() == [(500,)]
    settings = dict(con.execute(
        "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
        "'autoinstall_known_extensions', 'autoload_known_extensions', 'lock_configuration')").fetchall())
    assert settings == {"enable_external_access": "false", "autoinstall_known_extensions": "false",
                        "autoload_known_extensions": "false", "lock_configuration": "true"}
    c.close()


def test_configured_source_paths_still_read_and_nothing_else(warehouse: Path) -> None:
    c = DuckDBConnector("warehouse.duckdb", base_dir=warehouse)
    assert c.describe(SourceSpec(table="predictions"))["x"] == "numeric"
    assert c.describe(SourceSpec(path="preds.parquet", format="parquet"))["score"] == "numeric"
    preds = str(warehouse / "preds.parquet")
    assert ("read_parquet", preds) in c.file_reads
    # a folder of hive partitions, configured after the first file: the sandbox reopens with both
    kinds = c.describe(SourceSpec(path="hive", format="parquet", partitioning="hive"))
    assert kinds["part"] == "numeric"
    con = c.connection
    assert con.execute(f"SELECT count(*) FROM read_parquet('{preds}')").fetchall() == [(500,)]
    assert con.execute(f"SELECT count(*) FROM read_parquet('{warehouse}/hive/**/*.parquet')").fetchall() == [(500,)]
    _permission_denied(con, f"SELECT * FROM read_text('{warehouse}/secret.txt')")
    _permission_denied(con, f"SELECT * FROM read_parquet('{warehouse}/other.parquet')")
    _permission_denied(con, f"SELECT * FROM read_text('{warehouse}/hive/../secret.txt')")
    c.close()


def test_file_functions_in_source_sql_get_the_guards_error_not_duckdbs(warehouse: Path) -> None:
    c = DuckDBConnector("warehouse.duckdb", base_dir=warehouse)
    secret = warehouse / "secret.txt"
    for sql in (f"select p.*, t.content from predictions p, read_text('{secret}') t",
                f"select * from glob('{warehouse}/*')",
                f"select * from query('select * from read_text(''{secret}'')')",
                f"select * from main.read_text('{secret}')"):
        with pytest.raises(UnsafeQueryError, match=r"the function \w+\(\) may not reach a warehouse") as info:
            c.describe(SourceSpec(sql=sql))
        assert type(info.value) is UnsafeQueryError and SECRET not in str(info.value)
    c.close()


def test_sandbox_settings_cannot_come_from_options(warehouse: Path) -> None:
    with pytest.raises(ConfigError, match="enable_external_access cannot be set"):
        DuckDBConnector("warehouse.duckdb", base_dir=warehouse, options={"enable_external_access": True})
    ok = DuckDBConnector("warehouse.duckdb", base_dir=warehouse, options={"threads": 1})
    assert ok.connection.execute("SELECT current_setting('threads')").fetchall() == [(1,)]
    ok.close()


def test_a_missing_configured_file_is_a_connector_error(warehouse: Path) -> None:
    c = DuckDBConnector("warehouse.duckdb", base_dir=warehouse)
    with pytest.raises(ConnectorError, match="missing.parquet"):
        c.describe(SourceSpec(path="missing.parquet", format="parquet"))
    c.close()


CONFIG = """\
version: 1
store: sqlite:///.telltale/state.db
connections:
  wh: {type: duckdb, database: warehouse.duckdb}
models:
  m:
    type: regression
    connection: wh
    source: SOURCE
    timestamp: ts
    features: {x: numeric}
    predictions: {score: numeric}
    granularity: day
monitors:
  - name: x range
    model: m
    type: value_range
    columns: [x]
    window: 1d
    detection: {absolute: {min: 0, max: 1000}}
"""


def _project(root: Path, source: str) -> Path:
    (root / "telltale.yml").write_text(CONFIG.replace("SOURCE", source))
    return root


@pytest.mark.parametrize("reader", ["read_text('{d}/secret.txt')", "glob('{d}/*')",
                                    "query('select * from read_text(''{d}/secret.txt'')')"])
def test_validate_and_run_refuse_a_file_reading_source_sql_with_exit_2(warehouse: Path, reader: str) -> None:
    call = reader.format(d=warehouse)
    root = _project(warehouse, f'{{sql: "select p.*, f.* from predictions p, {call} f"}}')
    runner = CliRunner()
    for args in (["validate"], ["run", "--at", "2026-03-10T00:00:00Z"],
                 ["run", "--json", "--at", "2026-03-10T00:00:00Z"]):
        res = runner.invoke(app, [*args, "--project", str(root)])
        assert res.exit_code == 2, res.output
        assert "may not reach a warehouse" in res.output and "telltale.yml:9" in res.output
        assert SECRET not in res.output and "Traceback" not in res.output
    assert not (root / ".telltale").exists()          # the run stopped before writing any state


def test_a_run_reads_a_configured_parquet_path_through_the_sandbox(warehouse: Path) -> None:
    root = _project(warehouse, "{path: preds.parquet, format: parquet}")
    res = CliRunner().invoke(app, ["run", "--json", "--at", "2026-03-10T00:00:00Z", "--project", str(root)])
    assert res.exit_code == 0, res.output
    assert '"status": "ok"' in res.output or '"status":"ok"' in res.output


def test_compile_shows_the_reader_of_a_configured_path(warehouse: Path) -> None:
    """`compile` renders the connector's own reader call; the guard lets exactly that one through."""
    root = _project(warehouse, "{path: preds.parquet, format: parquet}")
    res = CliRunner().invoke(app, ["compile", "--at", "2026-03-10T00:00:00Z", "--project", str(root)])
    assert res.exit_code == 0, res.output
    assert f"READ_PARQUET('{warehouse / 'preds.parquet'}')" in res.output
