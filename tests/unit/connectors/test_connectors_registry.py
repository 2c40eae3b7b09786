"""`connect`: a connector chosen from the registry table, or a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

import telltale.connectors as connectors
from telltale.connectors import REGISTRY, connect
from telltale.errors import ConfigError, MissingExtraError


def test_duckdb_connects_from_the_table(tmp_path: Path) -> None:
    conn = connect("duckdb", {}, base_dir=tmp_path)
    try:
        assert type(conn).__name__ == REGISTRY["duckdb"][1]
    finally:
        conn.close()


def test_an_unregistered_type_names_the_available_ones() -> None:
    with pytest.raises(ConfigError, match=r"connection type 'oracle' is not available yet; available: \['duckdb'"):
        connect("oracle", {})


def test_a_missing_vendor_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(connectors.REGISTRY, "fake",
                        ("telltale.connectors.duckdb", "DuckDBConnector", "fakeextra", "no_such_vendor_module"))
    with pytest.raises(MissingExtraError, match=r"pip install 'telltale\[fakeextra\]'"):
        connect("fake", {})
