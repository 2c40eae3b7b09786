"""Delta Lake tables (deltalake), in a local folder or on S3, scanned in place by DuckDB.

A source `{path: s3://bucket/table/}` (or a folder) is opened with `deltalake.DeltaTable`
(`storage_options` as delta-rs takes them; `endpoint` sets AWS_ENDPOINT_URL; `options` are
further DeltaTable keywords such as `version`) and read through `to_pyarrow_dataset()`: the
files of the current version, each carrying its partition values and the min/max statistics
of the Delta log. A sandboxed in-process DuckDB scans it (`arrowscan.DatasetScan`) with the
projection and the time filter pushed into the scan, so files whose partition or statistics
fall outside the window are not opened. The dialect is DuckDB's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlglot import exp

from telltale.connectors.arrowscan import DatasetScan, ScannedSources, aws_hint, transient_message
from telltale.connectors.base import SourceSpec
from telltale.connectors.duckdb import DIALECT
from telltale.errors import ConfigError

__all__ = ["DIALECT", "DeltaConnector"]


class DeltaConnector(ScannedSources):
    """Reads Delta tables through deltalake and scans them with DuckDB."""

    name = "delta"
    dialect = DIALECT

    def __init__(self, *, base_dir: Path | None = None, storage_options: dict[str, str] | None = None,
                 endpoint: str | None = None, options: dict[str, Any] | None = None,
                 timeout: float | None = None, **_: Any) -> None:
        self.base_dir = base_dir or Path.cwd()
        self._storage = dict(storage_options or {})
        if endpoint:
            self._storage.setdefault("AWS_ENDPOINT_URL", endpoint)
            if endpoint.startswith("http://"):
                self._storage.setdefault("AWS_ALLOW_HTTP", "true")
        self._options = dict(options or {})
        self._scan = DatasetScan("Delta Lake", transient_message, _hint, timeout)

    @property
    def scan(self) -> DatasetScan:
        """The DuckDB side (its connection, for tests that EXPLAIN a query)."""
        return self._scan

    def relation(self, source: SourceSpec) -> exp.Expression:
        """The table's current version as a table DuckDB scans (opened once per source)."""
        if not source.path:
            raise ConfigError("a delta connection reads {path: s3://bucket/table/} or a folder")
        uri = source.path
        if "://" not in uri and not Path(uri).is_absolute():
            uri = str(self.base_dir / uri)
        return self._scan.view(json.dumps([uri]), lambda: self._dataset(uri))

    def _dataset(self, uri: str) -> Any:
        from deltalake import DeltaTable

        table = DeltaTable(uri, storage_options=self._storage or None, **self._options)
        return table.to_pyarrow_dataset()


def _hint(text: str) -> str:
    low = text.lower()
    if "no files in log segment" in low or "not a delta table" in low or "tablenotfound" in low \
            or "no such file" in low or "not found" in low:
        return "check the source's path: it must be a Delta table's folder (the one holding _delta_log/)"
    if "unexpected keyword" in low or "got an unexpected" in low:
        return "check the connection's `options` (keywords of deltalake.DeltaTable, e.g. version)"
    return aws_hint(text)
