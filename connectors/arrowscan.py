"""Files scanned in place: a `pyarrow.dataset` per source, queried by a sandboxed in-process DuckDB.

The S3 and Delta Lake connectors build a dataset for each source (files under an S3 prefix,
a Delta table's current version) and hand it to `DatasetScan`. It registers the dataset as a
view of a `DuckDBConnector` on `:memory:` (sandboxed by `duckdb.sandbox`: no file or network
access of DuckDB's own, no extensions, UTC, locked), so the planner's SQL names a plain table
and DuckDB pushes the projection and the time filter into the dataset scan: only the needed
columns are read, and files or row groups whose partition values or statistics fall outside
the window are skipped (checked by `EXPLAIN ANALYZE` in the tests). DuckDB's own `httpfs` and
`delta` extensions are not needed (they cannot be downloaded here).
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any, Callable

import pyarrow as pa
from sqlglot import exp

from telltale.connectors.base import QueryStats, SourceSpec
from telltale.connectors.dialect import Dialect
from telltale.connectors.retry import with_retries
from telltale.connectors.types import kind_of_arrow_type
from telltale.errors import ConnectorError, TelltaleError

DEFAULT_TIMEOUT = 900.0
"""Statement timeout when the connection sets none: 15 minutes."""


class DatasetScan:
    """A sandboxed DuckDB over registered pyarrow datasets, one view per source."""

    def __init__(self, what: str, transient: Callable[[BaseException], bool], hint: Callable[[str], str],
                 timeout: float | None = None) -> None:
        from telltale.connectors.duckdb import DuckDBConnector

        self.what = what                    # "S3" / "Delta Lake", for messages
        self._transient = transient         # which errors are retried (throttling, dropped connections)
        self._hint = hint                   # what to check, from an error's text
        self.timeout = timeout if timeout is not None else DEFAULT_TIMEOUT
        self._engine = DuckDBConnector(":memory:")
        self._views: dict[str, pa.Schema] = {}

    @property
    def dialect(self) -> Dialect:
        """DuckDB's dialect: the SQL is DuckDB's."""
        return self._engine.dialect

    @property
    def connection(self) -> Any:
        """The sandboxed DuckDB connection (for tests that EXPLAIN a query)."""
        return self._engine.connection

    def view(self, key: str, open_dataset: Callable[[], Any]) -> exp.Table:
        """The table a source is read as: `open_dataset()` registered once per `key`."""
        name = "telltale_src_" + hashlib.sha256(key.encode()).hexdigest()[:16]
        if name not in self._views:
            dataset = self._retrying(open_dataset, "cannot open the {what} source")
            self._engine.connection.register(name, dataset)
            self._views[name] = dataset.schema
        return exp.Table(this=exp.to_identifier(name, quoted=True))

    def describe(self, table: exp.Table) -> dict[str, str]:
        """Column name -> kind from the registered dataset's schema (file footers or the Delta log; no rows)."""
        return {f.name: kind_of_arrow_type(f.type) for f in self._views[table.name]}

    def execute(self, query: exp.Expression) -> tuple[pa.Table, QueryStats]:
        """Run one checked SELECT on DuckDB, interrupted after the timeout; transient errors retried."""
        return self._retrying(lambda: self._run(query), "{what} query failed")

    def _run(self, query: exp.Expression) -> tuple[pa.Table, QueryStats]:
        con = self._engine.connection
        fired = threading.Event()

        def stop() -> None:
            fired.set()
            con.interrupt()

        timer = threading.Timer(self.timeout, stop)
        timer.daemon = True
        timer.start()
        try:
            return self._engine.execute(query)
        except ConnectorError as exc:
            if fired.is_set():
                raise ConnectorError(
                    f"the {self.what} query did not finish within the timeout of {self.timeout:g} s "
                    "and was interrupted; raise `timeout` in the connection or narrow the source") from exc
            raise exc.__cause__ or exc from None   # the driver's error: retried if transient, then explained
        finally:
            timer.cancel()

    def _retrying(self, call: Callable[[], Any], doing: str) -> Any:
        """`call()` with transient errors retried; any error left becomes a ConnectorError saying what to check."""
        try:
            return with_retries(call, self._transient)
        except TelltaleError:
            raise
        except Exception as exc:  # noqa: BLE001 - pyarrow, deltalake and DuckDB raise many types; all explained
            text = str(exc).strip() or type(exc).__name__
            raise ConnectorError(f"{doing.format(what=self.what)}: {text}; {self._hint(text)}") from exc

    def close(self) -> None:
        """Close DuckDB (the datasets hold no connection)."""
        self._engine.close()


class ScannedSources:
    """`describe`, `execute` and `close` of a connector whose sources are datasets registered
    in its `DatasetScan` (the S3 and Delta connectors)."""

    _scan: DatasetScan

    def relation(self, source: SourceSpec) -> exp.Expression:
        """The registered dataset of a source (each connector builds its own)."""
        raise NotImplementedError

    def describe(self, source: SourceSpec) -> dict[str, str]:
        """Column name -> kind from the dataset's schema (file footers, headers or the Delta log; no rows)."""
        table = self.relation(source)
        assert isinstance(table, exp.Table)
        return self._scan.describe(table)

    def execute(self, query: exp.Expression) -> tuple[pa.Table, QueryStats]:
        """Run one checked SELECT on DuckDB over the registered datasets."""
        return self._scan.execute(query)

    def close(self) -> None:
        """Close DuckDB."""
        self._scan.close()


def transient_message(exc: BaseException) -> bool:
    """An AWS error worth retrying, by its text: throttling, a 5xx, a dropped connection."""
    text = str(exc)
    return any(s in text for s in ("SlowDown", "Throttl", "RequestTimeout", "InternalError",
                                   "ServiceUnavailable", "Connection reset", "Broken pipe", "HTTP 503",
                                   "HTTP 500"))


def aws_hint(text: str) -> str:
    """What to check for an S3 error message (credentials, permissions, bucket, endpoint)."""
    low = text.lower()
    if "accessdenied" in low or "access denied" in low or "forbidden" in low or "403" in low:
        return ("check the credentials (profile, AWS_* variables or role) and that the IAM policy allows "
                "s3:ListBucket on the bucket and s3:GetObject on the prefix")
    if "invalidaccesskeyid" in low or "signaturedoesnotmatch" in low or "no credentials" in low \
            or "security token" in low or "expiredtoken" in low:
        return "check the credentials (profile, AWS_* variables or role): they were refused"
    if "nosuchbucket" in low or "bucket does not exist" in low:
        return "check the bucket name in the source's path"
    if "curl" in low or "connect" in low or "resolve" in low or "timed out" in low or "timeout" in low:
        return "check `endpoint`, `region` and the network path to S3"
    if "not found" in low or "does not exist" in low or "no such" in low:
        return "check the source's path"
    return "check the source's path, format and the connection's credentials"
