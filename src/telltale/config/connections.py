"""Warehouse connections: one model per `type`, a discriminated union of all eight."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

from pydantic import Field, model_validator

from telltale.configbase.endpoint import host_port, with_endpoint
from telltale.configbase.values import StrictModel, Timeout, WholeNumber, fail, union_types
from telltale.configbase.words import one_of
from telltale.connectors.base import ConnectorRef

if TYPE_CHECKING:
    from telltale.connectors.base import Connector

SourceKinds = Literal["any", "sql", "path"]


class ConnectionBase(StrictModel):
    """Keys every connection takes: `endpoint`, `options` and `timeout`.

    Each connection type is registered here and only here: its class names the connector
    that opens it (`CONNECTOR`), the SQL dialect of its `source.sql` (`SQL_DIALECT`) and
    the sources it reads (`SOURCES`: tables and SELECTs, file paths, or both).
    """

    CONNECTOR: ClassVar[ConnectorRef]
    SQL_DIALECT: ClassVar[str]
    SOURCES: ClassVar[SourceKinds] = "sql"
    NO_ENDPOINT: ClassVar[str | None] = None
    """Why this type's connector has no endpoint override (its connector never reads
    `endpoint`, so the key is refused rather than ignored); None when it has one."""

    endpoint: str | None = None
    """Endpoint override (emulators, private endpoints): S3/Athena/Glue URL, BigQuery API
    endpoint, Snowflake host:port, PostgreSQL/Redshift host[:port] (in place of host, port)."""
    options: dict[str, Any] = Field(default_factory=dict)
    """Passed unchanged to the vendor's client."""
    timeout: Timeout | None = None
    """Query timeout (seconds or a duration); None = the client's default."""

    @model_validator(mode="after")
    def _endpoint_is_read(self) -> ConnectionBase:
        if self.endpoint is not None and self.NO_ENDPOINT is not None:
            readers = one_of(t for t, c in _ENDPOINT_READERS.items() if c.NO_ENDPOINT is None)
            raise fail(f"{self.NO_ENDPOINT}; endpoint overrides apply to {readers} connections only, "
                       "so remove endpoint", at="endpoint")
        return self

    @property
    def timeout_seconds(self) -> float | None:
        """The timeout in seconds, or None."""
        return self.timeout.total_seconds() if self.timeout is not None else None

    def params(self) -> dict[str, Any]:
        """The keyword arguments for a connector: keys as written (`schema`), no `type`,
        unset keys left out, `timeout` in seconds."""
        params = self.model_dump(by_alias=True, exclude={"type", "timeout"}, exclude_none=True)
        if self.timeout is not None:
            params["timeout"] = self.timeout_seconds
        return params

    def open(self, base_dir: Path | None = None, name: str | None = None) -> Connector:
        """Open this connection's connector (a clear error when its extra is not installed);
        with the connection's `name`, every failure names it."""
        from telltale.connectors import open_connector

        type_ = str(getattr(self, "type"))  # noqa: B009  (each subclass declares its own Literal `type`)
        return open_connector(type_, self.CONNECTOR, self.params(), base_dir=base_dir, name=name)


class DuckDBConnection(ConnectionBase):
    """An embedded DuckDB database file (relative to the project) or `:memory:`."""

    CONNECTOR = ConnectorRef("telltale.connectors.duckdb", "DuckDBConnector", "duckdb", "duckdb")
    SQL_DIALECT = "duckdb"
    SOURCES = "any"
    NO_ENDPOINT = "a duckdb database is embedded (a local file or :memory:): there is no server to point at"

    type: Literal["duckdb"]
    database: str = ":memory:"


class PostgresConnection(ConnectionBase):
    """PostgreSQL: host/port/database/user/password, or one `url`."""

    CONNECTOR = ConnectorRef("telltale.connectors.postgres", "PostgresConnector", "postgres", "psycopg")
    SQL_DIALECT = "postgres"
    SOURCES = "sql"

    type: Literal["postgres"]
    url: str | None = None
    host: str | None = None
    port: WholeNumber = 5432
    database: str | None = None
    user: str | None = None
    password: str | None = None
    sslmode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] | None = None
    schema_: str | None = Field(None, alias="schema")

    @model_validator(mode="after")
    def _url_or_parts(self) -> PostgresConnection:
        if self.url and (self.host or self.database or self.user or self.password):
            raise fail("give either url or host/database/user/password, not both", at="url")
        if self.url and self.endpoint:
            raise fail("endpoint overrides host and port, which a url already holds: put the "
                       "endpoint's host and port in url, or remove endpoint", at="endpoint")
        host_port(self.endpoint)
        if not self.url and not self.host and not self.endpoint:
            raise fail("missing host (or a url such as postgresql://user:${PG_PASSWORD}@host:5432/db)")
        return self

    def params(self) -> dict[str, Any]:
        """As every connection's, with `endpoint` (host[:port]) in place of host and port."""
        return with_endpoint(super().params(), self.endpoint)


class RedshiftIAM(StrictModel):
    """IAM authentication for Redshift (temporary credentials for a cluster)."""

    cluster_identifier: str
    region: str | None = None
    profile: str | None = None


class RedshiftConnection(ConnectionBase):
    """Amazon Redshift through redshift_connector or psycopg."""

    CONNECTOR = ConnectorRef("telltale.connectors.redshift", "RedshiftConnector", "redshift", None)
    SQL_DIALECT = "redshift"
    SOURCES = "sql"

    type: Literal["redshift"]
    host: str | None = None
    port: WholeNumber = 5439
    database: str
    user: str | None = None
    password: str | None = None
    schema_: str | None = Field(None, alias="schema")
    driver: Literal["redshift_connector", "psycopg"] = "redshift_connector"
    iam: RedshiftIAM | None = None

    @model_validator(mode="after")
    def _auth(self) -> RedshiftConnection:
        host_port(self.endpoint)
        if self.iam is None and not self.host and not self.endpoint:
            raise fail("missing host (or iam: {cluster_identifier: ..., region: ...})")
        if self.iam is not None and self.driver != "redshift_connector":
            raise fail("iam authentication needs driver: redshift_connector", at="driver")
        return self

    def params(self) -> dict[str, Any]:
        """As every connection's, with `endpoint` (host[:port], e.g. a VPC endpoint) in place
        of host and port."""
        return with_endpoint(super().params(), self.endpoint)


class SnowflakeConnection(ConnectionBase):
    """Snowflake: password or key-pair authentication."""

    CONNECTOR = ConnectorRef("telltale.connectors.snowflake", "SnowflakeConnector", "snowflake", "snowflake.connector")
    SQL_DIALECT = "snowflake"
    SOURCES = "sql"

    type: Literal["snowflake"]
    account: str
    user: str | None = None
    password: str | None = None
    private_key_file: str | None = None
    role: str | None = None
    warehouse: str | None = None
    database: str | None = None
    schema_: str | None = Field(None, alias="schema")
    query_tag: str | None = "telltale"

    @model_validator(mode="after")
    def _one_secret(self) -> SnowflakeConnection:
        if self.password and self.private_key_file:
            raise fail("give either password or private_key_file, not both", at="private_key_file")
        return self


class BigQueryConnection(ConnectionBase):
    """Google BigQuery; without credentials_file, application default credentials are used."""

    CONNECTOR = ConnectorRef("telltale.connectors.bigquery", "BigQueryConnector", "bigquery", "google.cloud.bigquery")
    SQL_DIALECT = "bigquery"
    SOURCES = "sql"

    type: Literal["bigquery"]
    project: str | None = None
    dataset: str | None = None
    location: str | None = None
    credentials_file: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    """Job labels added to every query (telltale adds `tool: telltale` itself)."""
    max_bytes_billed: WholeNumber | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _bigquery_labels(self) -> BigQueryConnection:
        for key, value in self.labels.items():
            problem = _label_problem(key, value)
            if problem:
                raise fail(problem, at="labels")
        return self


def _label_problem(key: str, value: str) -> str | None:
    """Why a BigQuery job label is invalid (BigQuery's rules), or None."""
    def ok(ch: str) -> bool:
        return ch in "_-" or ch.isdigit() or (ch.isalpha() and not ch.isupper())

    if key == "tool":
        return ("the label `tool` is set by telltale (tool: telltale) so administrators can find its jobs; "
                "use another key")
    if not key or len(key) > 63 or not (key[0].isalpha() and not key[0].isupper()) or not all(map(ok, key)):
        return (f"label key '{key}' is not a BigQuery label: 1-63 lower-case letters, digits, `_` or `-`, "
                "starting with a letter")
    if len(value) > 63 or not all(map(ok, value)):
        return (f"label value '{value}' (key '{key}') is not a BigQuery label value: at most 63 lower-case "
                "letters, digits, `_` or `-`")
    return None


class AthenaConnection(ConnectionBase):
    """Amazon Athena over the Glue catalog."""

    CONNECTOR = ConnectorRef("telltale.connectors.athena", "AthenaConnector", "athena", "boto3")
    SQL_DIALECT = "athena"
    SOURCES = "sql"

    type: Literal["athena"]
    region: str | None = None
    workgroup: str | None = None
    s3_staging_dir: str | None = None
    database: str | None = None
    catalog: str | None = None
    profile: str | None = None

    @model_validator(mode="after")
    def _output(self) -> AthenaConnection:
        if not self.s3_staging_dir and not self.workgroup:
            raise fail("missing s3_staging_dir (e.g. s3://bucket/athena-results/) or a workgroup "
                       "with an output location")
        return self


class S3Connection(ConnectionBase):
    """Files on S3 (parquet, csv, jsonl) read in place; sources are `{path, format, partitioning}`."""

    CONNECTOR = ConnectorRef("telltale.connectors.s3", "S3Connector", "s3", "pyarrow")
    SQL_DIALECT = "duckdb"
    SOURCES = "path"

    type: Literal["s3"]
    region: str | None = None
    profile: str | None = None


class DeltaConnection(ConnectionBase):
    """Delta Lake tables read with deltalake; sources are `{path}`."""

    CONNECTOR = ConnectorRef("telltale.connectors.delta", "DeltaConnector", "delta", "deltalake")
    SQL_DIALECT = "duckdb"
    SOURCES = "path"

    type: Literal["delta"]
    storage_options: dict[str, str] = Field(default_factory=dict)


Connection = Annotated[
    Union[DuckDBConnection, PostgresConnection, RedshiftConnection, SnowflakeConnection,
          BigQueryConnection, AthenaConnection, S3Connection, DeltaConnection],
    Field(discriminator="type"),
]
"""Any connection, chosen by its `type`."""

CONNECTION_TYPES = union_types(Connection)

_ENDPOINT_READERS: dict[str, type[ConnectionBase]] = dict(zip(CONNECTION_TYPES, typing.get_args(
    typing.get_args(Connection)[0])))
"""Each connection type's class, by `type` (for the endpoint message)."""
