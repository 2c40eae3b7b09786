"""Google BigQuery (google-cloud-bigquery): its dialect and its connector.

Credentials: a service-account key file (`credentials_file`, relative to the project) or
application default credentials; with an `endpoint` (an emulator) and no key file, anonymous
credentials. Every query is a job with the connection's `labels` plus `tool: telltale`, the
`max_bytes_billed` cap, the default dataset (for unqualified table names), the session time
zone pinned to UTC and a job timeout (`timeout`, default 15 minutes). Transient errors (5xx,
rate limits, dropped connections) are retried with backoff. `describe` reads the table's
schema from the catalog (`get_table`; a `source.sql` through a dry run): no rows are read.
"""

from __future__ import annotations

import concurrent.futures
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlglot import exp

from telltale.connectors.base import QueryStats, SourceSpec
from telltale.connectors.dialect import Dialect
from telltale.connectors.relations import sql_relation, table_relation
from telltale.connectors.retry import with_retries
from telltale.connectors.safety import ensure_select
from telltale.errors import ConfigError, ConnectorError

DIALECT = Dialect(name="bigquery", sample="unseeded", day_bucket="cast_date", time_literal="string",
                  bytes_scanned=True, boolean_to_number="via_int")
"""Time bounds as string literals, which BigQuery coerces to the column's own type (a
CAST(... AS TIMESTAMP) renders as DATETIME and cannot be compared with a TIMESTAMP column);
daily buckets as CAST(ts AS DATE), valid for TIMESTAMP, DATETIME and DATE columns."""

DEFAULT_TIMEOUT = 900.0
"""Seconds a query job may run when the connection sets no `timeout` (15 minutes)."""
TAG = {"tool": "telltale"}
"""The job label every telltale query carries (find them in INFORMATION_SCHEMA.JOBS)."""
ROLES = "roles/bigquery.jobUser on the project and roles/bigquery.dataViewer on the dataset"

_KINDS = {"INTEGER": "numeric", "INT64": "numeric", "FLOAT": "numeric", "FLOAT64": "numeric",
          "NUMERIC": "numeric", "BIGNUMERIC": "numeric", "DECIMAL": "numeric", "BIGDECIMAL": "numeric",
          "BOOLEAN": "boolean", "BOOL": "boolean", "STRING": "string", "TIMESTAMP": "timestamp",
          "DATETIME": "timestamp", "DATE": "date", "BYTES": "binary", "RECORD": "struct",
          "STRUCT": "struct", "TIME": "time", "INTERVAL": "interval"}
_TRANSIENT_REASONS = {"backendError", "rateLimitExceeded", "internalError", "jobRateLimitExceeded"}


class BigQueryConnector:
    """Query jobs on BigQuery (or its emulator), results fetched as Arrow over the REST API."""

    name = "bigquery"
    dialect = DIALECT

    def __init__(self, *, base_dir: Path | None = None, project: str | None = None,
                 dataset: str | None = None, location: str | None = None,
                 credentials_file: str | None = None, labels: dict[str, str] | None = None,
                 max_bytes_billed: int | None = None, endpoint: str | None = None,
                 options: dict[str, Any] | None = None, timeout: float | None = None, **_: Any) -> None:
        from google.cloud import bigquery

        self._bq = bigquery
        self.timeout = float(timeout) if timeout else DEFAULT_TIMEOUT
        self.labels = {**(labels or {}), **TAG}
        self.max_bytes_billed = max_bytes_billed
        self.location = location
        self.endpoint = endpoint
        self.last_job: Any = None
        """The QueryJob of the last query, as the server answered it (job id, labels, statistics)."""
        self.client = _client(bigquery, base_dir or Path.cwd(), project, credentials_file, endpoint,
                              dict(options or {}))
        self.project: str = self.client.project
        self.dataset = dataset if dataset is None or "." in dataset else f"{self.project}.{dataset}"

    # -- protocol ---------------------------------------------------------------------------

    def relation(self, source: SourceSpec) -> exp.Expression:
        """A table (`table`, `dataset.table` or `project.dataset.table`) or a user's SELECT."""
        if source.table:
            self._table_id(source.table)      # an unqualified name needs a default dataset
            return table_relation(source.table, self.dialect.name)
        if source.sql:
            return sql_relation(source.sql, self.dialect.name)
        raise ConfigError("a bigquery source needs `table` or `sql` (files are read by the s3 connection)")

    def describe(self, source: SourceSpec) -> dict[str, str]:
        """Column name -> kind, from the table's schema in the catalog (a SELECT: a dry run's schema)."""
        if source.table:
            table_id = self._table_id(source.table)
            table = self._call(lambda: self.client.get_table(table_id, retry=None, timeout=self.timeout))
            schema = table.schema
        else:
            query = exp.select("*").from_(self.relation(source).copy())
            schema = self._dry_run(query).schema or []
        return {f.name: _kind(f) for f in schema}

    def execute(self, query: exp.Expression) -> tuple[pa.Table, QueryStats]:
        """Run one checked SELECT as a labelled query job; bytes processed become bytes_scanned."""
        ensure_select(query)
        sql = self.dialect.render(query)
        start = time.perf_counter()
        job, table = self._call(lambda: self._run(sql))
        table = self.dialect.result_names(table, query)
        return table, QueryStats(sql=sql, seconds=time.perf_counter() - start, rows=table.num_rows,
                                 bytes_scanned=job.total_bytes_processed)

    def estimate(self, query: exp.Expression) -> int | None:
        """Bytes a SELECT would process, from a dry run (free; nothing is read). None if unknown."""
        job = self._dry_run(ensure_select(query))
        return job.total_bytes_processed

    def close(self) -> None:
        """Release the client's HTTP sessions."""
        self.client.close()

    # -- jobs -------------------------------------------------------------------------------

    def job_config(self, *, dry_run: bool = False) -> Any:
        """The QueryJobConfig of every telltale query: labels, byte cap, dataset, UTC, timeout."""
        bq = self._bq
        cfg = bq.QueryJobConfig(labels=dict(self.labels), use_legacy_sql=False, dry_run=dry_run,
                                connection_properties=[bq.ConnectionProperty("time_zone", "UTC")])
        cfg.job_timeout_ms = int(self.timeout * 1000)
        if dry_run:
            cfg.use_query_cache = False
        if self.max_bytes_billed is not None:
            cfg.maximum_bytes_billed = int(self.max_bytes_billed)
        if self.dataset is not None:
            cfg.default_dataset = self.dataset
        return cfg

    def _submit(self, sql: str, dry_run: bool = False) -> Any:
        return self.client.query(sql, job_config=self.job_config(dry_run=dry_run), location=self.location,
                                 timeout=self.timeout, retry=None, job_retry=None)

    def _run(self, sql: str) -> tuple[Any, pa.Table]:
        job = self._submit(sql)
        self.last_job = job
        try:
            rows = job.result(timeout=self.timeout, retry=None, job_retry=None)
        except concurrent.futures.TimeoutError:
            _cancel(job)
            raise
        return job, rows.to_arrow(create_bqstorage_client=False)

    def _dry_run(self, query: exp.Expression) -> Any:
        sql = self.dialect.render(query)
        return self._call(lambda: self._submit(sql, dry_run=True))

    def _call(self, call: Any) -> Any:
        """`call()` with transient errors retried; any failure raised as a ConnectorError."""
        try:
            return with_retries(call, _transient)
        except ConnectorError:
            raise
        except Exception as exc:  # noqa: BLE001 - every vendor error becomes a clear ConnectorError
            raise ConnectorError(self._explain(exc)) from exc

    def _table_id(self, name: str) -> str:
        parts = [p.strip("`") for p in name.split(".")]
        if len(parts) == 1:
            if self.dataset is None:
                raise ConfigError(f"table '{name}' names no dataset: write dataset.{name} or set `dataset:` "
                                  "on the bigquery connection")
            return f"{self.dataset}.{parts[0]}"
        return ".".join(parts if len(parts) == 3 else [self.project, *parts])

    def _explain(self, exc: BaseException) -> str:
        """What failed and what to check, from a google-cloud / google-auth / HTTP error."""
        from google.api_core import exceptions as gexc
        from google.auth import exceptions as auth_exc

        text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        where = f"BigQuery at {self.endpoint}" if self.endpoint else "BigQuery"
        if isinstance(exc, (concurrent.futures.TimeoutError, TimeoutError)) or _is_timeout(exc):
            return (f"the query did not finish within {self.timeout:g} s (`timeout`); raise `timeout` on the "
                    "connection or narrow the window")
        if isinstance(exc, auth_exc.RefreshError):
            return (f"the credentials were refused ({text}); check `credentials_file` (a valid, "
                    "unrevoked service-account key) or `gcloud auth application-default login`")
        if isinstance(exc, auth_exc.TransportError) or _is_connection_error(exc):
            return f"cannot reach {where} ({text}); check the network, proxy and `endpoint`"
        if "bytes billed" in text.lower():
            return (f"{text}; the query would bill more than max_bytes_billed = {self.max_bytes_billed}: "
                    "raise `max_bytes_billed` or narrow the window")
        if isinstance(exc, gexc.NotFound):
            return (f"not found: {text}; check `project`, `dataset`, the table name and `location` "
                    f"(the job runs in project {self.project})")
        if isinstance(exc, (gexc.Forbidden, gexc.Unauthorized)):
            return f"access denied: {text}; the account needs {ROLES}"
        if isinstance(exc, gexc.BadRequest):
            return f"BigQuery rejected the query: {text}; check the mapped column names and types"
        return f"{where} failed: {text}"


def _client(bq: Any, base_dir: Path, project: str | None, credentials_file: str | None,
            endpoint: str | None, options: dict[str, Any]) -> Any:
    """A bigquery.Client: key file, anonymous (an emulator's endpoint) or application default."""
    from google.api_core.client_options import ClientOptions
    from google.auth import exceptions as auth_exc

    kwargs: dict[str, Any] = dict(options)
    if credentials_file:
        path = Path(credentials_file).expanduser()
        path = path if path.is_absolute() else base_dir / path
        kwargs["credentials"] = _key_file_credentials(path)
        project = project or kwargs["credentials"].project_id
    elif endpoint:
        from google.auth.credentials import AnonymousCredentials

        kwargs["credentials"] = AnonymousCredentials()
    if endpoint:
        kwargs["client_options"] = ClientOptions(api_endpoint=endpoint)
    try:
        return bq.Client(project=project, **kwargs)
    except auth_exc.DefaultCredentialsError as exc:
        raise ConnectorError(
            "no Google credentials found: set `credentials_file` (a service-account key) on the bigquery "
            "connection, or run `gcloud auth application-default login` / set GOOGLE_APPLICATION_CREDENTIALS "
            f"({exc})") from exc
    except TypeError as exc:
        raise ConfigError(f"`options` of the bigquery connection: {exc} (they are passed to "
                          "google.cloud.bigquery.Client)") from exc
    except OSError as exc:   # "Project was not passed and could not be determined from the environment"
        raise ConnectorError(f"{exc}; set `project:` on the bigquery connection") from exc


def _key_file_credentials(path: Path) -> Any:
    from google.oauth2 import service_account

    if not path.is_file():
        raise ConnectorError(f"credentials_file {path} does not exist; give the path of a service-account "
                             "key (JSON), relative to the project folder, or leave it out to use application "
                             "default credentials")
    try:
        return service_account.Credentials.from_service_account_file(
            str(path), scopes=["https://www.googleapis.com/auth/cloud-platform"])
    except (ValueError, KeyError) as exc:
        raise ConnectorError(f"credentials_file {path} is not a service-account key ({exc}); download a "
                             "JSON key of the service account") from exc


def _kind(field: Any) -> str:
    if field.mode == "REPEATED":
        return "list"
    return _KINDS.get(str(field.field_type).upper(), "other")


def _cancel(job: Any) -> None:
    try:
        job.cancel(retry=None, timeout=10)
    except Exception:  # noqa: BLE001 - best effort: the job also has its own job timeout
        pass


def _is_timeout(exc: BaseException) -> bool:
    import requests

    return isinstance(exc, requests.exceptions.Timeout) and not isinstance(exc, requests.exceptions.ConnectTimeout)


def _is_connection_error(exc: BaseException) -> bool:
    import requests

    return isinstance(exc, (requests.exceptions.ConnectionError, ConnectionError))


def _transient(exc: BaseException) -> bool:
    """Worth retrying: 5xx, rate limits and dropped connections, never a timeout or a bad query."""
    from google.api_core import exceptions as gexc
    from google.auth import exceptions as auth_exc

    if _is_timeout(exc) or isinstance(exc, concurrent.futures.TimeoutError):
        return False
    if isinstance(exc, (gexc.InternalServerError, gexc.BadGateway, gexc.ServiceUnavailable,
                        gexc.GatewayTimeout, gexc.TooManyRequests)):
        return True
    if isinstance(exc, gexc.Forbidden):
        return any(e.get("reason") in _TRANSIENT_REASONS for e in getattr(exc, "errors", []) or [])
    return isinstance(exc, auth_exc.TransportError) or _is_connection_error(exc)
