"""Delta Lake for the tests: tables written with deltalake (delta-rs) to a local folder or to moto's S3.

Nothing to start: `write()` makes a Delta table at a local path or an `s3://bucket/prefix` URI
(then with `MotoServer.delta_storage_options()`, which allow plain HTTP and an unsafe rename, as
moto has no locking provider), and `scan()` opens it as a `pyarrow.dataset` that DuckDB scans
with projections and filters pushed down (DuckDB's own `delta` extension would need a download).
"""

from __future__ import annotations

from typing import Any, Sequence


def write(table: Any, uri: str, storage_options: dict[str, str] | None = None,
          partition_by: Sequence[str] | None = None, mode: str = "error") -> Any:
    """Write a pyarrow table as a new Delta table at `uri` and return its `DeltaTable`."""
    from deltalake import DeltaTable, write_deltalake

    write_deltalake(uri, table, partition_by=list(partition_by) if partition_by else None, mode=mode,
                    storage_options=storage_options)
    return DeltaTable(uri, storage_options=storage_options)


def scan(uri: str, storage_options: dict[str, str] | None = None) -> Any:
    """The Delta table at `uri` as a `pyarrow.dataset.Dataset` (its current version)."""
    from deltalake import DeltaTable

    return DeltaTable(uri, storage_options=storage_options).to_pyarrow_dataset()
