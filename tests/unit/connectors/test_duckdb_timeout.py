"""A DuckDB connection's `timeout` interrupts a query that runs longer (docs/config.md:
every connection takes `timeout`), and the error says what to change."""

from __future__ import annotations

import pytest

from telltale.config.connections import DuckDBConnection
from telltale.connectors.duckdb import DuckDBConnector, parse_select
from telltale.errors import ConnectorError

ENDLESS = "select count(*) from range(100000000000) a, range(1000) b"


def test_a_query_past_the_timeout_is_interrupted_and_the_connection_still_works() -> None:
    c = DuckDBConnector(":memory:", timeout=0.2)
    with pytest.raises(ConnectorError, match=r"did not finish within the timeout of 0\.2 s and was "
                                             r"interrupted; raise `timeout` in the connection"):
        c.execute(parse_select(ENDLESS))
    table, _ = c.execute(parse_select("select 42 as x"))
    assert table.column("x").to_pylist() == [42]


def test_the_config_timeout_reaches_the_connector() -> None:
    conn = DuckDBConnection.model_validate({"type": "duckdb", "timeout": "2m"})
    connector = conn.open()
    assert isinstance(connector, DuckDBConnector) and connector.timeout == 120.0
    assert DuckDBConnector(":memory:").timeout is None
