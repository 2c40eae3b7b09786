"""Warehouse connectors, one module per warehouse, chosen from a table (data, not classes)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from telltale.connectors.base import Capabilities, Connector, QueryStats, SourceSpec
from telltale.errors import ConfigError, MissingExtraError

# type -> (module, class name, pip extra, the vendor module the extra brings)
REGISTRY: dict[str, tuple[str, str, str, str | None]] = {
    "duckdb": ("telltale.connectors.duckdb", "DuckDBConnector", "duckdb", "duckdb"),
}


def connect(type_: str, params: dict[str, Any], *, base_dir: Path | None = None) -> Connector:
    """Open a connector of `type_` with the connection's config keys."""
    if type_ not in REGISTRY:
        raise ConfigError(f"connection type '{type_}' is not available yet; available: {sorted(REGISTRY)}")
    module_name, cls_name, extra, vendor = REGISTRY[type_]
    if vendor:
        try:
            importlib.import_module(vendor)
        except ImportError as exc:
            raise MissingExtraError(f"the {type_} connector", extra, vendor) from exc
    module = importlib.import_module(module_name)
    return getattr(module, cls_name)(base_dir=base_dir, **params)


__all__ = ["Capabilities", "Connector", "QueryStats", "SourceSpec", "connect", "REGISTRY"]
