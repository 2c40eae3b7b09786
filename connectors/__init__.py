"""Warehouse connectors: one module per warehouse, each owning its engine's `Dialect`.

Which connection type opens which connector is declared once, on the connection's config
class (`telltale.config.connections`, its `CONNECTOR` reference); this package opens it.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from telltale.connectors.base import Connector, ConnectorRef, QueryStats, SourceSpec
from telltale.connectors.dialect import Dialect
from telltale.errors import ConfigError, ConnectorError, MissingExtraError

# sqlglot dialect name -> the module whose DIALECT renders it (`telltale compile --dialect`)
DIALECT_MODULES: dict[str, str] = {
    "duckdb": "telltale.connectors.duckdb",
    "postgres": "telltale.connectors.postgres",
    "redshift": "telltale.connectors.redshift",
    "snowflake": "telltale.connectors.snowflake",
    "bigquery": "telltale.connectors.bigquery",
    "athena": "telltale.connectors.athena",
    "trino": "telltale.connectors.dialect:TRINO",
    "databricks": "telltale.connectors.dialect:DATABRICKS",
}


def dialect_named(name: str) -> Dialect:
    """The `Dialect` of a sqlglot dialect name (one of DIALECT_MODULES)."""
    if name not in DIALECT_MODULES:
        raise ConfigError(f"unknown dialect '{name}'; use one of {', '.join(DIALECT_MODULES)}")
    module, _, attr = DIALECT_MODULES[name].partition(":")
    value = getattr(importlib.import_module(module), attr or "DIALECT")
    assert isinstance(value, Dialect)
    return value


def open_connector(type_: str, ref: ConnectorRef, params: dict[str, Any], *,
                   base_dir: Path | None = None, name: str | None = None) -> Connector:
    """Open the connector `ref` names with a connection's keys (a clear error if its extra is missing).

    With the connection's `name`, the connector is wrapped so that every failure (opening
    it included) names the connection: `connection 'wh' (postgres): ...`."""
    if name is not None:
        from telltale.connectors.named import NamedConnector, label

        try:
            inner = open_connector(type_, ref, params, base_dir=base_dir)
        except ConnectorError as exc:
            raise ConnectorError(f"{label(name, type_)}: {exc}") from exc
        return NamedConnector(inner, name, type_)
    if ref.vendor:
        try:
            importlib.import_module(ref.vendor)
        except ImportError as exc:
            raise MissingExtraError(f"the {type_} connector", ref.extra, ref.vendor) from exc
    module = importlib.import_module(ref.module)
    cls = getattr(module, ref.cls, None)
    if cls is None:
        raise ConfigError(f"connection type '{type_}' is not available yet")
    connector: Connector = cls(base_dir=base_dir, **params)
    return connector


__all__ = ["Connector", "ConnectorRef", "Dialect", "QueryStats", "SourceSpec", "dialect_named",
           "open_connector"]
