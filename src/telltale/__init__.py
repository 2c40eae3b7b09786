"""telltale: watch ML models where their predictions already live, in the warehouse."""

from __future__ import annotations

__version__ = "0.1.0"

from typing import Any

from telltale.errors import (ConfigError, ConnectorError, DSLError, MissingExtraError, StoreError,
                             TelltaleError)

__all__ = ["ConfigError", "ConnectorError", "DSLError", "MissingExtraError", "StoreError", "TelltaleError",
           "__version__", "load"]


def __getattr__(name: str) -> Any:
    """`telltale.load` (the Python API, docs/python.md), imported on first use: importing
    telltale stays light, and the lower layers that import it never load the runner."""
    if name == "load":
        import importlib

        return importlib.import_module("telltale.api").load
    raise AttributeError(f"module 'telltale' has no attribute {name!r}")
