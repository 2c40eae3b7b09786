"""A connector under its connection's name: every failure says which connection failed."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlglot import exp

from telltale.connectors.base import Connector, QueryStats, SourceSpec
from telltale.connectors.dialect import Dialect
from telltale.errors import ConnectorError


def label(name: str, type_: str) -> str:
    """How messages name a connection: `connection 'wh' (postgres)`."""
    return f"connection '{name}' ({type_})"


class NamedConnector:
    """Wraps a connector; its `ConnectorError`s are raised again prefixed with the connection's name."""

    def __init__(self, inner: Connector, name: str, type_: str) -> None:
        self.inner = inner
        self.name: str = inner.name
        self.dialect: Dialect = inner.dialect
        self.connection_name = name
        self.label = label(name, type_)

    def __getattr__(self, attr: str) -> Any:   # connector-specific extras (file_reads, connection, ...)
        return getattr(self.inner, attr)

    def _named(self, exc: ConnectorError) -> ConnectorError:
        text = str(exc)
        if text.startswith(self.label):
            return exc
        return ConnectorError(f"{self.label}: {text}")

    def relation(self, source: SourceSpec) -> exp.Expression:
        """The inner connector's relation."""
        try:
            return self.inner.relation(source)
        except ConnectorError as exc:
            raise self._named(exc) from exc

    def describe(self, source: SourceSpec) -> dict[str, str]:
        """The inner connector's describe, failures named."""
        try:
            return self.inner.describe(source)
        except ConnectorError as exc:
            raise self._named(exc) from exc

    def execute(self, query: exp.Expression) -> tuple[pa.Table, QueryStats]:
        """The inner connector's execute, failures named."""
        try:
            return self.inner.execute(query)
        except ConnectorError as exc:
            raise self._named(exc) from exc

    def close(self) -> None:
        """Close the inner connector (a failure to close is not an error of the run)."""
        try:
            self.inner.close()
        except ConnectorError:
            pass
