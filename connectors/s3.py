"""Files on S3 (Parquet, CSV, JSON Lines under a prefix; Hive partitions), scanned in place.

A source `{path: s3://bucket/prefix/, format: parquet|csv|jsonl, partitioning: hive}` becomes a
`pyarrow.dataset` over `pyarrow.fs.S3FileSystem` (region, `endpoint` override, a named
`profile` resolved by boto3, `options` passed to S3FileSystem) that a sandboxed in-process
DuckDB scans (`arrowscan.DatasetScan`): DuckDB pushes the projection and the time filter into
the dataset scan, so only the needed columns are fetched and Hive partitions (and Parquet row
groups) outside the window are skipped. The dialect is DuckDB's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
from sqlglot import exp

from telltale.connectors.arrowscan import DatasetScan, ScannedSources, aws_hint, transient_message
from telltale.connectors.base import SourceSpec
from telltale.connectors.duckdb import DIALECT
from telltale.errors import ConfigError, ConnectorError

__all__ = ["DIALECT", "S3Connector"]

CONNECT_TIMEOUT = 10.0
"""Seconds to open a connection to S3 (the AWS SDK retries throttled and failed requests itself)."""
_HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
_INT = re.compile(r"^-?\d{1,18}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class S3Connector(ScannedSources):
    """Reads files under S3 prefixes through pyarrow and scans them with DuckDB."""

    name = "s3"
    dialect = DIALECT

    def __init__(self, *, base_dir: Path | None = None, region: str | None = None, profile: str | None = None,
                 endpoint: str | None = None, options: dict[str, Any] | None = None,
                 timeout: float | None = None, **_: Any) -> None:
        self._region, self._profile, self._endpoint = region, profile, endpoint
        self._options = dict(options or {})
        self._fs: Any = None
        self._scan = DatasetScan("S3", transient_message, aws_hint, timeout)

    @property
    def scan(self) -> DatasetScan:
        """The DuckDB side (its connection, for tests that EXPLAIN a query)."""
        return self._scan

    def filesystem(self) -> Any:
        """The `pyarrow.fs.S3FileSystem` of this connection (made on first use)."""
        if self._fs is None:
            from pyarrow import fs

            kwargs: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT}
            if self._region:
                kwargs["region"] = self._region
            if self._endpoint:
                url = urlsplit(self._endpoint if "://" in self._endpoint else "https://" + self._endpoint)
                kwargs["endpoint_override"] = url.netloc + url.path.rstrip("/")
                kwargs["scheme"] = url.scheme
            if self._profile:
                kwargs.update(_profile_credentials(self._profile))
            kwargs.update(self._options)
            try:
                self._fs = fs.S3FileSystem(**kwargs)
            except (TypeError, ValueError, pa.ArrowInvalid) as exc:
                raise ConnectorError(f"cannot set up the S3 client: {exc}; check the connection's `options` "
                                     "(keywords of pyarrow.fs.S3FileSystem)") from exc
        return self._fs

    def relation(self, source: SourceSpec) -> exp.Expression:
        """The source's files as a table DuckDB scans (the dataset is opened once per source)."""
        if not source.path or not source.path.startswith("s3://"):
            raise ConfigError(f"an s3 connection reads s3://bucket/prefix/ paths, not '{source.path}'; "
                              "for local files use a duckdb connection")
        fmt = (source.format or "parquet").lower()
        if fmt not in ("parquet", "csv", "jsonl"):
            raise ConfigError(f"unknown file format '{fmt}'; use parquet, csv or jsonl")
        key = json.dumps([source.path, fmt, source.partitioning])
        return self._scan.view(key, lambda: self._dataset(source.path or "", fmt, source.partitioning))

    def _dataset(self, path: str, fmt: str, partitioning: str | None) -> Any:
        import pyarrow.dataset as ds
        from pyarrow import fs

        filesystem = self.filesystem()
        base = path[len("s3://"):].rstrip("/")
        info = filesystem.get_file_info(base)
        file_format = {"parquet": ds.ParquetFileFormat(), "csv": ds.CsvFileFormat(),
                       "jsonl": ds.JsonFileFormat()}[fmt]
        if info.type == fs.FileType.NotFound:
            raise ConnectorError(f"nothing at {path}: check the bucket and prefix in the source's path")
        if info.type == fs.FileType.File:
            return ds.dataset(base, filesystem=filesystem, format=file_format)
        files = [f.path for f in filesystem.get_file_info(fs.FileSelector(base, recursive=True))
                 if f.type == fs.FileType.File and f.size and not _hidden(f.path[len(base) + 1:])]
        if not files:
            raise ConnectorError(f"no {fmt} files under {path}: check the prefix and `format`")
        part = hive_partitioning(base, files) if partitioning == "hive" else None
        return ds.dataset(files, filesystem=filesystem, format=file_format, partitioning=part,
                          partition_base_dir=base)


def hive_partitioning(base: str, files: list[str]) -> Any:
    """Hive partitioning whose keys are typed from the folder names: all integers -> BIGINT,
    all YYYY-MM-DD -> DATE, else VARCHAR (`__HIVE_DEFAULT_PARTITION__` is NULL)."""
    import pyarrow.dataset as ds

    values: dict[str, set[str]] = {}
    for path in files:
        for part in path[len(base) + 1:].split("/")[:-1]:
            name, eq, value = part.partition("=")
            if eq:
                values.setdefault(name, set()).add(value)
    fields = []
    for name, seen in values.items():
        seen = seen - {_HIVE_NULL}
        typ = pa.string()
        if seen and all(_INT.match(v) for v in seen):
            typ = pa.int64()
        elif seen and all(_DATE.match(v) for v in seen):
            typ = pa.date32()
        fields.append(pa.field(name, typ))
    return ds.partitioning(pa.schema(fields), flavor="hive")


def _hidden(relative: str) -> bool:
    """Files Spark/Hive/Delta keep beside the data (`_SUCCESS`, `_delta_log/`, `.crc`)."""
    return any(p.startswith(("_", ".")) for p in relative.split("/"))


def _profile_credentials(profile: str) -> dict[str, Any]:
    """The keys of a named AWS profile (resolved by boto3: static keys, SSO, assumed roles)."""
    try:
        import boto3
        import botocore.exceptions
    except ImportError as exc:
        raise ConnectorError("`profile` needs boto3: pip install 'telltale[s3]'") from exc
    try:
        creds = boto3.Session(profile_name=profile).get_credentials()
    except botocore.exceptions.BotoCoreError as exc:
        raise ConnectorError(f"cannot read the AWS profile '{profile}': {exc}; check `profile` and "
                             "~/.aws/config") from exc
    if creds is None:
        raise ConnectorError(f"the AWS profile '{profile}' has no credentials; check ~/.aws/credentials")
    frozen = creds.get_frozen_credentials()
    return {"access_key": frozen.access_key, "secret_key": frozen.secret_key,
            "session_token": frozen.token}
