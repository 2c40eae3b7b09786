"""The Snowflake conformance target: the shared dataset in fakesnow's server, read by SnowflakeConnector."""

from __future__ import annotations

import contextlib
from typing import Any

import pyarrow as pa
import pytest

from conformance.framework import Target


def snowflake_connection(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A `type: snowflake` connection (as in telltale.yml) to fakesnow, from its connect kwargs."""
    return {"type": "snowflake", "account": kwargs["account"], "user": kwargs["user"],
            "password": kwargs["password"], "database": kwargs["database"], "schema": kwargs["schema"],
            "endpoint": f"{kwargs['protocol']}://{kwargs['host']}:{kwargs['port']}", "query_tag": "telltale-conformance"}


@pytest.fixture
def target_snowflake(snowflake_kwargs: dict[str, Any], peer_dataset: pa.Table) -> Target:
    """The dataset loaded as PREDICTIONS (created unquoted) in a fresh fakesnow database."""
    import snowflake.connector

    from peers import dataset

    with contextlib.closing(snowflake.connector.connect(**snowflake_kwargs)) as conn:
        dataset.load_snowflake(peer_dataset, conn)
    return Target(connection=snowflake_connection(snowflake_kwargs), source={"table": "predictions"},
                  blind_spot=("fakesnow resolves names case-insensitively (DuckDB inside), so it cannot show "
                              "that real Snowflake misses a quoted lower-case name: the upper-case rule is "
                              "covered on the rendered SQL in tests/unit/connectors/test_snowflake.py. It "
                              "ignores STATEMENT_TIMEOUT_IN_SECONDS and QUERY_TAG, reports no bytes scanned, "
                              "and returns every SUM as a DOUBLE (real Snowflake: NUMBER)"))
