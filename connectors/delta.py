"""Delta Lake tables (deltalake), local or on S3, scanned by DuckDB through their pyarrow dataset: its dialect is DuckDB's; the connector follows."""

from __future__ import annotations

from telltale.connectors.duckdb import DIALECT

__all__ = ["DIALECT"]
