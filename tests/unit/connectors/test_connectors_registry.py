"""Opening a connector from its connection's config class (the one registration), or a clear error."""

from __future__ import annotations

import importlib
import typing
from pathlib import Path

import pytest
import sqlglot

from telltale.config.connections import Connection, DuckDBConnection, PostgresConnection
from telltale.connectors import DIALECT_MODULES, Dialect, dialect_named, open_connector
from telltale.connectors.base import ConnectorRef
from telltale.errors import ConfigError, ConnectorError, MissingExtraError

CLASSES = typing.get_args(typing.get_args(Connection)[0])


def test_duckdb_opens_from_its_config_class(tmp_path: Path) -> None:
    conn = DuckDBConnection(type="duckdb").open(tmp_path)
    try:
        assert type(conn).__name__ == DuckDBConnection.CONNECTOR.cls
        assert conn.dialect.name == "duckdb"
    finally:
        conn.close()


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_connection_class_names_a_connector_module_and_dialect(cls: type) -> None:
    ref = cls.CONNECTOR
    assert ref.module == f"telltale.connectors.{ref.extra}"
    module = importlib.import_module(ref.module)      # importable without the vendor's package
    assert module.__doc__
    assert isinstance(dialect_named(cls.SQL_DIALECT), Dialect)


def test_params_give_keys_as_written_and_the_timeout_in_seconds() -> None:
    cfg = PostgresConnection.model_validate({"type": "postgres", "host": "h", "schema": "s", "timeout": "2m"})
    params = cfg.params()
    assert params["schema"] == "s" and "type" not in params and "schema_" not in params
    assert params["timeout"] == 120.0


def test_a_missing_vendor_package_names_the_extra() -> None:
    ref = ConnectorRef("telltale.connectors.duckdb", "DuckDBConnector", "fakeextra", "no_such_vendor_module")
    with pytest.raises(MissingExtraError, match=r"pip install 'telltale\[fakeextra\]'"):
        open_connector("fake", ref, {})


def test_an_unknown_dialect_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="unknown dialect 'oracle'; use one of duckdb, postgres"):
        dialect_named("oracle")
    assert set(DIALECT_MODULES) >= {c.SQL_DIALECT for c in CLASSES}


def test_failures_name_the_connection(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError, match=r"^connection 'wh' \(duckdb\): DuckDB database file .*missing.duckdb"):
        DuckDBConnection(type="duckdb", database="missing.duckdb").open(tmp_path, name="wh")
    conn = DuckDBConnection(type="duckdb").open(tmp_path, name="wh")
    try:
        with pytest.raises(ConnectorError, match=r"^connection 'wh' \(duckdb\): DuckDB query failed: .*no_table"):
            conn.execute(sqlglot.parse_one("SELECT * FROM no_table"))
        assert conn.dialect.name == "duckdb" and conn.file_reads == frozenset()
    finally:
        conn.close()
