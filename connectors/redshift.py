"""Amazon Redshift through redshift_connector (or psycopg, `driver: psycopg`): its dialect and connector.

The session, errors and results are PostgreSQL's (`connectors/postgres.py`); what differs:
Redshift has no `default_transaction_read_only`, so every query runs inside `BEGIN READ ONLY
... COMMIT`; queries are tagged with `application_name = 'telltale'` and, through
redshift_connector, `query_group = 'telltale'` (the `label` of STL_QUERY / SYS_QUERY_HISTORY);
IAM authentication (`iam: {cluster_identifier, region, profile}`) goes through
redshift_connector's `iam=True`, which fetches temporary database credentials.

The test peer is a real PostgreSQL queried through `driver: psycopg` (redshift_connector
cannot connect to PostgreSQL): the Redshift-only SQL rules (one PERCENTILE_CONT column per
statement, no TABLESAMPLE) are checked on the generated SQL in tests/unit/connectors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from telltale.connectors.dialect import Dialect
from telltale.connectors.postgres import (CONNECT_TIMEOUT_S, DEFAULT_TIMEOUT_S, KEEPALIVES, TAG,
                                          PgFamilyConnector, Session, session_statements)
from telltale.errors import ConnectorError, MissingExtraError

DIALECT = Dialect(name="redshift", quantile="within_group", quantile_columns_per_statement=1,
                  sample="none", time_literal="string", boolean_to_number="via_int",
                  condition_columns="boolean", identifier_case="lower")
"""Redshift rejects PERCENTILE_CONT with different ORDER BY columns in one statement: one
column's bin edges per statement; no TABLESAMPLE, so the baseline is read whole once;
booleans become numbers through INTEGER; a boolean field must be a BOOLEAN column; names are
sent as written and come back lower-cased (Redshift folds quoted names by default)."""


class RedshiftConnector(PgFamilyConnector):
    """A Redshift database: password or IAM (redshift_connector), or password through psycopg."""

    name = "redshift"
    dialect = DIALECT
    engine = "Redshift"

    def __init__(self, *, base_dir: Path | None = None, host: str | None = None, port: int = 5439,
                 database: str = "dev", user: str | None = None, password: str | None = None,
                 schema: str | None = None, driver: str = "redshift_connector",
                 iam: dict[str, Any] | None = None, timeout: float | None = None,
                 options: dict[str, Any] | None = None, **_: Any) -> None:
        timeout_s = timeout or DEFAULT_TIMEOUT_S
        tagged = driver == "redshift_connector"   # query_group: a Redshift-only setting
        statements = session_statements(schema, timeout_s, read_only_setting=False, query_group=tagged,
                                        conforming_strings=False)   # backslashes are escapes, as rendered
        where = f"{host or (iam or {}).get('cluster_identifier')}:{port}/{database}"
        session = Session(where, schema, timeout_s, statements, read_only_transaction=True)
        if driver == "psycopg":
            connect = _psycopg(host, port, database, user, password, options)
        else:
            connect = _redshift_connector(host, port, database, user, password, iam, options, timeout_s)
        super().__init__(connect, session)


def _psycopg(host: str | None, port: int, database: str, user: str | None, password: str | None,
             options: dict[str, Any] | None) -> Callable[[], Any]:
    import psycopg

    kwargs: dict[str, Any] = {k: v for k, v in (("host", host), ("port", port), ("dbname", database),
                                                ("user", user), ("password", password)) if v}
    kwargs.update(application_name=TAG, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True, **KEEPALIVES)
    kwargs.update(options or {})
    return lambda: psycopg.connect(**kwargs)


def connect_kwargs(host: str | None, port: int, database: str, user: str | None, password: str | None,
                   iam: dict[str, Any] | None, options: dict[str, Any] | None,
                   timeout_s: float = DEFAULT_TIMEOUT_S) -> dict[str, Any]:
    """redshift_connector.connect's keyword arguments: password login, or IAM (`iam=True` with
    the cluster, region and profile; `user` becomes the `db_user` the credentials are for).

    Its `timeout` is the socket's, for every read (a running query included): the statement
    timeout plus a margin, so the server's cancellation, with its clear message, comes first."""
    kwargs: dict[str, Any] = {"database": database, "port": port, "application_name": TAG,
                              "timeout": round(timeout_s) + CONNECT_TIMEOUT_S}
    if host:
        kwargs["host"] = host
    if iam is not None:
        kwargs.update(iam=True, cluster_identifier=iam["cluster_identifier"])
        kwargs.update({k: iam[k] for k in ("region", "profile") if iam.get(k)})
        if user:
            kwargs["db_user"] = user
    else:
        kwargs.update({k: v for k, v in (("user", user), ("password", password)) if v})
    kwargs.update(options or {})
    return kwargs


def _redshift_connector(host: str | None, port: int, database: str, user: str | None,
                        password: str | None, iam: dict[str, Any] | None,
                        options: dict[str, Any] | None, timeout_s: float) -> Callable[[], Any]:
    try:
        import redshift_connector
    except ImportError as exc:
        raise MissingExtraError("the redshift connector", "redshift", "redshift_connector") from exc
    if iam is None and not password:
        raise ConnectorError(f"the Redshift connection to {host}:{port}/{database} has no password; "
                             "set `password` (e.g. ${REDSHIFT_PASSWORD}) or use `iam: {cluster_identifier: "
                             "..., region: ...}`")
    kwargs = connect_kwargs(host, port, database, user, password, iam, options, timeout_s)

    def connect() -> Any:
        con = redshift_connector.connect(**kwargs)
        con.autocommit = True
        return con

    return connect
