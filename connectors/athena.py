"""Amazon Athena (Trino SQL over the Glue catalog) through boto3: start, poll, fetch.

Each query is started with StartQueryExecution in the connection's `workgroup` (default
`primary`), `database`, `catalog` and `s3_staging_dir`, with a ClientRequestToken
`telltale-<uuid>` (the tag administrators find in CloudTrail's StartQueryExecution events;
it also makes a retried start idempotent); polled with GetQueryExecution until it ends or
the `timeout` passes (then StopQueryExecution); fetched with GetQueryResults. Bytes scanned
come from the execution's statistics. Tables are described from the Glue catalog
(GetTable), never by reading rows. Athena runs every query in UTC (it has no session time
zone to set).
"""

from __future__ import annotations

import functools
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
from sqlglot import exp

from telltale.connectors.athena_types import glue_kind, to_arrow
from telltale.connectors.base import QueryStats, SourceSpec
from telltale.connectors.dialect import Dialect
from telltale.connectors.relations import aliased, sql_relation, table_relation
from telltale.connectors.retry import ATTEMPTS, with_retries
from telltale.connectors.safety import ensure_select
from telltale.connectors.types import kind_of_arrow_type
from telltale.errors import ConnectorError

DIALECT = Dialect(name="athena", sample="unseeded", identifier_case="lower", bytes_scanned=True)
"""approx_percentile for bin edges; time bounds as CAST('...' AS TIMESTAMP) (Trino does not
coerce strings to timestamps); names sent as written, result columns (which Athena returns in
lower case, as Glue stores every name) matched back to the planner's names."""

DEFAULT_TIMEOUT = 900.0
"""Seconds a query may run when the connection sets no `timeout` (15 minutes)."""
POLL_FIRST, POLL_MAX = 0.2, 2.0
"""Seconds between GetQueryExecution calls: from 0.2 s, growing to 2 s."""
TOKEN_PREFIX = "telltale-"
_TRANSIENT_CODES = frozenset({"ThrottlingException", "TooManyRequestsException", "InternalServerException",
                              "ServiceUnavailable", "ServiceUnavailableException", "RequestLimitExceeded",
                              "SlowDown"})
_CREDENTIAL_CODES = frozenset({"UnrecognizedClientException", "InvalidSignatureException",
                               "ExpiredTokenException", "InvalidClientTokenId", "AccessDeniedException",
                               "AccessDenied"})


class _RetryableQuery(Exception):
    """A query Athena failed with `Retryable: true` (a capacity or internal error): run it again."""


class AthenaConnector:
    """Runs checked SELECTs on Athena and describes tables from Glue."""

    name = "athena"
    dialect = DIALECT

    def __init__(self, *, base_dir: Path | None = None, region: str | None = None,
                 workgroup: str | None = None, s3_staging_dir: str | None = None, database: str | None = None,
                 catalog: str | None = None, profile: str | None = None, endpoint: str | None = None,
                 options: dict[str, Any] | None = None, timeout: float | None = None, **_: Any) -> None:
        self.workgroup = workgroup or "primary"
        self.s3_staging_dir, self.database, self.catalog = s3_staging_dir, database, catalog
        self.timeout = timeout if timeout is not None else DEFAULT_TIMEOUT
        self.athena = self._client("athena", region, profile, endpoint, options or {})
        self.glue = self._client("glue", region, profile, endpoint, options or {})

    @staticmethod
    def _client(service: str, region: str | None, profile: str | None, endpoint: str | None,
                options: dict[str, Any]) -> Any:
        import boto3
        import botocore.config
        import botocore.exceptions

        try:
            config = botocore.config.Config(**{"connect_timeout": 10, "read_timeout": 60,
                                               "retries": {"mode": "standard"}, **options})
            session = boto3.Session(profile_name=profile, region_name=region)
            return session.client(service, endpoint_url=endpoint, config=config)
        except TypeError as exc:
            raise ConnectorError(f"cannot set up the {service} client: {exc}; check the connection's "
                                 "`options` (keywords of botocore.config.Config)") from exc
        except botocore.exceptions.NoRegionError as exc:
            raise ConnectorError("no AWS region: set `region` in the connection (or AWS_REGION)") from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise ConnectorError(f"cannot set up the {service} client: {exc}; check `profile` "
                                 "and ~/.aws/config") from exc

    def relation(self, source: SourceSpec) -> exp.Expression:
        """A table (`table`, `database.table` or `catalog.database.table`) or a user's SELECT."""
        if source.table:
            return table_relation(source.table, self.dialect.name)
        if source.sql:
            return sql_relation(source.sql, self.dialect.name)
        raise ConnectorError("an athena source is {table: database.table} or {sql: \"select ...\"}")

    def describe(self, source: SourceSpec) -> dict[str, str]:
        """Column name -> kind from Glue's GetTable (a SELECT's columns: its LIMIT 0 result metadata)."""
        if source.sql:
            query = exp.select("*").from_(aliased(self.relation(source), "s")).limit(0)
            table, _ = self.execute(query)
            return {f.name: kind_of_arrow_type(f.type) for f in table.schema}
        parts = [p.strip('"`').lower() for p in (source.table or "").split(".")]
        name, database = parts[-1], parts[-2] if len(parts) > 1 else self.database
        if not database:
            raise ConnectorError(f"table '{source.table}' has no database: write database.table in "
                                 "`source.table` or set `database` in the connection")
        got = self._call(lambda: self.glue.get_table(DatabaseName=database, Name=name),
                         f"describing {database}.{name} in the Glue catalog")
        table = got["Table"]
        columns = table.get("StorageDescriptor", {}).get("Columns", []) + table.get("PartitionKeys", [])
        return {c["Name"]: glue_kind(c.get("Type", "")) for c in columns}

    def execute(self, query: exp.Expression) -> tuple[pa.Table, QueryStats]:
        """Start one checked SELECT, poll it until it ends or times out, fetch its result."""
        ensure_select(query)
        sql = self.dialect.render(query)
        start = time.perf_counter()
        try:
            qid, stats = with_retries(lambda: self._run(sql), lambda e: isinstance(e, _RetryableQuery))
        except _RetryableQuery as exc:
            raise ConnectorError(f"Athena failed the query {ATTEMPTS} times: {exc}; "
                                 "Athena marked the error retryable (capacity or an internal error): "
                                 "run again later") from exc
        try:
            table = self.dialect.result_names(self._fetch(qid), query)
        except (ValueError, ArithmeticError, pa.ArrowException) as exc:
            raise ConnectorError(f"Athena query {qid}: its result could not be read: {exc}") from exc
        scanned = stats.get("DataScannedInBytes")
        return table, QueryStats(sql=sql, seconds=time.perf_counter() - start, rows=table.num_rows,
                                 bytes_scanned=int(scanned) if scanned is not None else None)

    def _run(self, sql: str) -> tuple[str, dict[str, Any]]:
        """Start the query (one ClientRequestToken for all retries of the start) and wait for it."""
        token = TOKEN_PREFIX + uuid.uuid4().hex
        request: dict[str, Any] = {"QueryString": sql, "ClientRequestToken": token, "WorkGroup": self.workgroup}
        context = {k: v for k, v in (("Database", self.database), ("Catalog", self.catalog)) if v}
        if context:
            request["QueryExecutionContext"] = context
        if self.s3_staging_dir:
            request["ResultConfiguration"] = {"OutputLocation": self.s3_staging_dir}
        qid = self._call(lambda: self.athena.start_query_execution(**request), "starting the query")[
            "QueryExecutionId"]
        deadline, wait = time.monotonic() + self.timeout, POLL_FIRST
        while True:
            execution = self._call(lambda: self.athena.get_query_execution(QueryExecutionId=qid),
                                   "polling the query")["QueryExecution"]
            status = execution["Status"]
            if status["State"] == "SUCCEEDED":
                return qid, execution.get("Statistics", {})
            if status["State"] in ("FAILED", "CANCELLED"):
                error = status.get("AthenaError", {})
                reason = status.get("StateChangeReason") or error.get("ErrorMessage") or status["State"]
                if error.get("Retryable"):
                    raise _RetryableQuery(reason)
                raise ConnectorError(f"Athena query {qid} {status['State'].lower()}: {reason}; {_query_hint(reason)}")
            if time.monotonic() >= deadline:
                self._call(lambda: self.athena.stop_query_execution(QueryExecutionId=qid), "stopping the query")
                raise ConnectorError(f"Athena query {qid} did not finish within the timeout of {self.timeout:g} s "
                                     "and was stopped; raise `timeout` in the connection or narrow the source")
            time.sleep(min(wait, max(0.0, deadline - time.monotonic())))
            wait = min(wait * 2, POLL_MAX)

    def _fetch(self, qid: str) -> pa.Table:
        """Every page of GetQueryResults as one Arrow table (the header row dropped)."""
        rows: list[list[str | None]] = []
        columns: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"QueryExecutionId": qid, "MaxResults": 1000}
            if token:
                kwargs["NextToken"] = token
            page = self._call(functools.partial(self.athena.get_query_results, **kwargs), "fetching the result")
            result = page["ResultSet"]
            if not columns:
                columns = result.get("ResultSetMetadata", {}).get("ColumnInfo", [])
            page_rows = [[d.get("VarCharValue") for d in r.get("Data", [])] for r in result.get("Rows", [])]
            if token is None and page_rows and [c["Name"] for c in columns] == page_rows[0]:
                page_rows = page_rows[1:]   # a SELECT's first row repeats the column names
            rows += page_rows
            token = page.get("NextToken")
            if not token:
                return to_arrow(columns, rows)

    def _call(self, call: Callable[[], Any], doing: str) -> Any:
        """One API call, retried on throttling and 5xx; any other error explained."""
        import botocore.exceptions

        try:
            return with_retries(call, _transient)
        except botocore.exceptions.ClientError as exc:
            err = exc.response.get("Error", {})
            code, message = err.get("Code", ""), err.get("Message", str(exc))
            raise ConnectorError(f"Athena: {doing} failed: {code}: {message}; {_client_hint(code, message)}") from exc
        except botocore.exceptions.NoCredentialsError as exc:
            raise ConnectorError("no AWS credentials found: set `profile` in the connection, or the "
                                 "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables, or run with a role") from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise ConnectorError(f"Athena: {doing} failed: {exc}; check `endpoint`, `region` and the "
                                 "network path to AWS") from exc

    def close(self) -> None:
        """Close the HTTP connections."""
        for client in (self.athena, self.glue):
            client.close()


def _transient(exc: BaseException) -> bool:
    import botocore.exceptions

    if isinstance(exc, botocore.exceptions.ClientError):
        return exc.response.get("Error", {}).get("Code") in _TRANSIENT_CODES
    return isinstance(exc, (botocore.exceptions.ConnectionClosedError, botocore.exceptions.ReadTimeoutError))


def _client_hint(code: str, message: str) -> str:
    if code in _CREDENTIAL_CODES:
        return ("check the credentials (profile, AWS_* variables or role) and that the IAM policy allows "
                "athena:StartQueryExecution/GetQueryExecution/GetQueryResults/StopQueryExecution, "
                "glue:GetTable/GetDatabase and s3 on the staging dir and the table's data")
    if code == "EntityNotFoundException":
        return "check `source.table` and `database`: the table is not in the Glue catalog"
    if "workgroup" in message.lower():
        return "check `workgroup`"
    if "output" in message.lower() or "staging" in message.lower():
        return "check `s3_staging_dir` (or the workgroup's output location)"
    return "check the connection's settings"


def _query_hint(reason: str) -> str:
    low = reason.lower()
    if "table" in low and ("not found" in low or "does not exist" in low):
        return "check `source.table` and `database`"
    if "column" in low and ("not found" in low or "cannot be resolved" in low):
        return "check the model's column names against the table"
    if "access denied" in low or "permission" in low:
        return "check that the IAM policy allows reading the table's S3 location and the staging dir"
    return "check the query above against the table"
