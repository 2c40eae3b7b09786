"""Files on S3 (Parquet, CSV, JSON Lines; Hive partitions) scanned by DuckDB through a pyarrow dataset: its dialect is DuckDB's; the connector follows."""

from __future__ import annotations

from telltale.connectors.duckdb import DIALECT

__all__ = ["DIALECT"]
