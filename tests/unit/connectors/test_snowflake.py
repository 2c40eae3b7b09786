"""Snowflake's rules that fakesnow cannot check, on the SQL the connector renders.

fakesnow's blind spot: it runs on DuckDB, which resolves every name case-insensitively, so a
quoted lower-case `"predictions"` finds a table created as `predictions` there, while real
Snowflake stores that table as PREDICTIONS and misses it. The upper-case rule (names in the
config are matched as Snowflake resolves unquoted names; a user's `source.sql` keeps its own
identifiers; result columns are renamed back to the planner's names) is therefore checked
here on the rendered SQL. fakesnow also ignores the session's STATEMENT_TIMEOUT_IN_SECONDS
and QUERY_TAG and reports no bytes scanned: the session parameters, the timeout message and
the bytes-scanned parsing are checked here too (driver errors built as the driver builds them;
no server is mocked).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pytest
from sqlglot import exp

from telltale.connectors.base import SourceSpec
from telltale.connectors.offline import OfflineConnector
from telltale.connectors.snowflake import (DEFAULT_TIMEOUT_S, DIALECT, FoldedColumns, columns_query,
                                           connect_kwargs, explain, scan_bytes)
from telltale.core.partials import Partial, count_rows
from telltale.core.timeutil import TimeRange
from telltale.errors import ConnectorError
from telltale.monitors.model_staleness import newest_query
from telltale.planner.queries import plan_scans, scalar_query
from telltale.planner.spec import ActualsSpec, ModelSpec

UTC = timezone.utc
RNG = TimeRange(datetime(2024, 3, 10, tzinfo=UTC), datetime(2024, 3, 11, tzinfo=UTC))
CONN = OfflineConnector(DIALECT)


def _model(**kw) -> ModelSpec:
    base = dict(name="m", connection="wh", source=SourceSpec(table="predictions"), timestamp="ts",
                segments=("category",))
    base.update(kw)
    return ModelSpec(**base)  # type: ignore[arg-type]


def _sql(tree: exp.Expression) -> str:
    return DIALECT.render(tree)


def test_config_names_render_upper_case_quoted() -> None:
    """`predictions`, `ts` and `analytics.predictions` reach Snowflake as "PREDICTIONS", "TS"..."""
    x = exp.column("score", quoted=True)
    sql = _sql(scalar_query(_model(source=SourceSpec(table="analytics.predictions")), CONN, RNG,
                            [count_rows(), Partial("sum", x)]).tree)
    assert 'FROM "ANALYTICS"."PREDICTIONS"' in sql
    assert '"SCORE"' in sql and '"TS" >= \'2024-03-10\'' in sql and '"TS" < \'2024-03-11\'' in sql
    assert '"predictions"' not in sql and '"score"' not in sql and '"ts"' not in sql


def test_segment_columns_are_grouped_by_their_upper_case_name() -> None:
    """A segment `category` is grouped as "CATEGORY" and comes back under `category`."""
    tree = scalar_query(_model(), CONN, RNG, [count_rows()]).tree
    sql = _sql(tree)
    assert 'GROUP BY DATE_TRUNC(\'DAY\', CAST("TS" AS TIMESTAMPLTZ)), "CATEGORY"' in sql
    # what Snowflake returns: unquoted aliases and quoted names, all upper case
    result = pa.table({"__BUCKET": [datetime(2024, 3, 10)], "CATEGORY": ["a"], "__P0": [3]})
    assert DIALECT.result_names(result, tree).column_names == ["__bucket", "category", "__p0"]


def test_buckets_are_utc_days_whatever_the_offset_a_timestamp_tz_carries() -> None:
    """DATE_TRUNC of a TIMESTAMP_TZ truncates in the value's own offset (23:30 -05:00 stays on
    its local day); cast to TIMESTAMP_LTZ it truncates in the session's zone, UTC, as it does
    for TIMESTAMP_NTZ and DATE. The time filter keeps the bare column (partitions prune).
    fakesnow stores every TIMESTAMP_TZ in UTC, so only the SQL can show this."""
    sql = _sql(scalar_query(_model(timestamp="ts_tz", segments=()), CONN, RNG, [count_rows()]).tree)
    assert sql.startswith('SELECT DATE_TRUNC(\'DAY\', CAST("TS_TZ" AS TIMESTAMPLTZ)) AS __bucket')
    assert '"TS_TZ" >= \'2024-03-10\' AND "TS_TZ" < \'2024-03-11\'' in sql
    assert DIALECT.bucket(exp.column("d", quoted=True), "hour").sql("snowflake") == \
        'DATE_TRUNC(\'HOUR\', CAST("d" AS TIMESTAMPLTZ))'


def test_a_users_source_sql_keeps_its_own_identifiers() -> None:
    """The subquery of `source.sql` is left as written; the names telltale adds are folded."""
    user = 'SELECT "score" AS score, ts, "Category" AS category FROM raw."preds_v2"'
    tree = scalar_query(_model(source=SourceSpec(sql=user)), CONN, RNG, [count_rows()]).tree
    sql = _sql(tree)
    assert 'SELECT "score" AS score, ts, "Category" AS category FROM raw."preds_v2"' in sql
    assert '"CATEGORY"' in sql.split("FROM (", 1)[0]       # the outer query's segment column
    assert '"TS" >=' in sql


def test_labels_in_another_table_are_joined_on_upper_case_names() -> None:
    """Actuals in `labels` (id, label, labeled_at): every name of the join is folded."""
    actuals = ActualsSpec(source=SourceSpec(table="labels"), id="id", timestamp="labeled_at",
                          as_of=datetime(2024, 3, 11, tzinfo=UTC), columns=("label",))
    model = _model(id="id", actuals=actuals, actual_columns=frozenset({"label"}), segments=())
    label = exp.column("label", quoted=True)
    sql = _sql(scalar_query(model, CONN, RNG, [count_rows(), Partial("sum", label)]).tree)
    assert 'FROM "LABELS" AS "L0"' in sql and 'FROM "PREDICTIONS" AS "P"' in sql
    assert '"P"."ID" = "L"."ID"' in sql and '"L"."LABEL" AS "LABEL"' in sql
    assert '"LABELED_AT" <= \'2024-03-11\'' in sql
    assert not any(name in sql for name in ('"labels"', '"label"', '"id"', '"labeled_at"'))


def test_staleness_newest_comes_back_under_its_name() -> None:
    """MAX("TS") AS newest: Snowflake answers NEWEST, the planner reads `newest`."""
    planned = newest_query(_model(segments=()), CONN, datetime(2024, 3, 11, tzinfo=UTC), "time")
    sql = _sql(planned.tree)
    assert sql.startswith('SELECT MAX("TS") AS newest FROM (SELECT "TS" FROM "PREDICTIONS" AS "P"')
    got = DIALECT.result_names(pa.table({"NEWEST": [datetime(2024, 3, 10, 23)]}), planned.tree)
    assert got.column_names == ["newest"]
    assert planned.decode(got) == datetime(2024, 3, 10, 23)


def test_distribution_scans_fold_names_and_sample_with_a_seed() -> None:
    """The GROUPING SETS scan and the grid's block sample, upper case."""
    x = exp.column("x", quoted=True)
    [dist] = [q for q in plan_scans(_model(), CONN, RNG, [Partial("values", exp.column("category", quoted=True))], {})
              if q.kind != "scalar"] or [None]
    assert dist is not None
    sql = _sql(dist.tree)
    assert "GROUPING SETS" in sql and '"CATEGORY"' in sql and '"category"' not in sql
    sample = DIALECT.table_sample(10.0)
    rel = exp.Table(this=exp.to_identifier("predictions", quoted=True), sample=sample)
    assert _sql(exp.select(x).from_(rel)) == 'SELECT "X" FROM "PREDICTIONS" TABLESAMPLE SYSTEM (10.0) SEED (0)'


@pytest.mark.parametrize("table, where", [
    ("predictions", "TABLE_SCHEMA = CURRENT_SCHEMA() AND TABLE_NAME = 'PREDICTIONS'"),
    ("analytics.predictions", "TABLE_SCHEMA = 'ANALYTICS' AND TABLE_NAME = 'PREDICTIONS'"),
])
def test_describe_reads_information_schema_in_upper_case(table: str, where: str) -> None:
    rel = CONN.relation(SourceSpec(table=table))
    assert isinstance(rel, exp.Table)
    assert _sql(columns_query(rel)) == ("SELECT COLUMN_NAME, DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS "
                                        f"WHERE {where} ORDER BY ORDINAL_POSITION NULLS FIRST")
    three = CONN.relation(SourceSpec(table="wh.analytics.predictions"))
    assert isinstance(three, exp.Table)
    assert _sql(columns_query(three)).startswith('SELECT COLUMN_NAME, DATA_TYPE FROM "WH".INFORMATION_SCHEMA.COLUMNS')


def test_described_columns_are_found_as_snowflake_resolves_unquoted_names() -> None:
    cols = FoldedColumns({"SCORE": "numeric", "TS": "timestamp", "myScore": "numeric"})
    assert "score" in cols and "Score" in cols and cols["score"] == "numeric" and cols.get("ts") == "timestamp"
    # a column created quoted in mixed case cannot be reached through the upper-case rule
    assert "myScore" not in cols and cols.get("myScore") is None
    assert sorted(cols) == ["SCORE", "TS", "myScore"]


@pytest.mark.parametrize("name", ["Größe", "Event Time", 'we"ird', "a.b", "1st", "ünï"])
def test_names_that_cannot_be_written_unquoted_are_matched_as_written(name: str) -> None:
    """Snowflake folds only unquoted names ([A-Za-z_][A-Za-z0-9_$]*) to upper case: a column
    named with a space, a quote, a dot or a non-ASCII letter was created quoted and is stored
    exactly as written. Upper-casing it never matches (Python even turns ß into SS: fakesnow
    answers `Referenced column "GRÖSSE" not found`)."""
    x = exp.column(name, quoted=True)
    tree = scalar_query(_model(source=SourceSpec(table="My Schema.Pred Table"), timestamp="Event Time",
                               segments=()), CONN, RNG, [count_rows(), Partial("sum", x)]).tree
    sql = _sql(tree)
    quoted = '"' + name.replace('"', '""') + '"'
    assert quoted in sql and 'FROM "My Schema"."Pred Table"' in sql and '"Event Time" >= ' in sql
    assert f'"{name.upper()}"' not in sql or name.upper() == name
    rel = CONN.relation(SourceSpec(table="My Schema.Pred Table"))
    assert isinstance(rel, exp.Table)
    assert "TABLE_SCHEMA = 'My Schema' AND TABLE_NAME = 'Pred Table'" in _sql(columns_query(rel))
    cols = FoldedColumns({name: "numeric", "SCORE": "numeric"})
    assert name in cols and cols[name] == "numeric" and "score" in cols
    assert name.upper() == name or name.upper() not in cols
    result = pa.table({name: [1.0], "__P0": [3]})
    assert DIALECT.result_names(result, tree).column_names == [name, "__p0"]


def test_session_is_utc_tagged_and_timed_out(tmp_path: Path) -> None:
    kw = connect_kwargs("acme-eu1", user="svc", password="pw", role="TELLTALE", warehouse="XS",
                        database="ML", schema="PREDS", query_tag="nightly", timeout=120,
                        options={"session_parameters": {"TIMEZONE": "Europe/Paris", "ROWS_PER_RESULTSET": 9},
                                 "login_timeout": 7})
    assert kw["session_parameters"] == {"TIMEZONE": "UTC", "STATEMENT_TIMEOUT_IN_SECONDS": 120,
                                        "QUERY_TAG": "nightly", "ROWS_PER_RESULTSET": 9}
    assert (kw["role"], kw["warehouse"], kw["database"], kw["schema"]) == ("TELLTALE", "XS", "ML", "PREDS")
    assert kw["login_timeout"] == 7 and kw["password"] == "pw" and "host" not in kw
    default = connect_kwargs("a", user="u", password="p")
    assert default["session_parameters"]["STATEMENT_TIMEOUT_IN_SECONDS"] == DEFAULT_TIMEOUT_S == 900
    assert default["session_parameters"]["QUERY_TAG"] == "telltale"


@pytest.mark.parametrize("endpoint, host, port, protocol", [
    ("127.0.0.1:8080", "127.0.0.1", 8080, "https"),
    ("http://127.0.0.1:8080", "127.0.0.1", 8080, "http"),
    ("acme.privatelink.snowflakecomputing.com", "acme.privatelink.snowflakecomputing.com", 443, "https"),
])
def test_endpoint_overrides_host_port_and_protocol(endpoint: str, host: str, port: int, protocol: str) -> None:
    kw = connect_kwargs("a", user="u", password="p", endpoint=endpoint)
    assert (kw["host"], kw["port"], kw["protocol"]) == (host, port, protocol)


def test_key_pair_auth_reads_the_key_file_relative_to_the_project(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "rsa.p8").write_text("-----BEGIN PRIVATE KEY-----\n")
    kw = connect_kwargs("a", user="u", private_key_file="keys/rsa.p8", base_dir=tmp_path)
    assert kw["private_key_file"] == str(tmp_path / "keys" / "rsa.p8") and "password" not in kw
    with pytest.raises(ConnectorError, match="private_key_file .*missing.p8 does not exist"):
        connect_kwargs("a", user="u", private_key_file="missing.p8", base_dir=tmp_path)


def test_a_missing_secret_or_user_says_what_to_set() -> None:
    with pytest.raises(ConnectorError, match=r"no password or private_key_file for user svc.*SNOWFLAKE_PASSWORD"):
        connect_kwargs("a", user="svc")
    with pytest.raises(ConnectorError, match="no `user` given"):
        connect_kwargs("a", password="p")


def test_driver_errors_say_what_to_check() -> None:
    """The driver's own error classes and errno values (as Snowflake sends them)."""
    from snowflake.connector import errors

    def err(cls, errno: int, msg: str) -> str:
        return explain(cls(msg=msg, errno=errno), "svc@acme.snowflakecomputing.com")

    assert "raise `timeout`" in err(errors.ProgrammingError, 630,
                                    "Statement reached its statement or warehouse timeout of 60 second(s)")
    assert "check user and password" in err(errors.DatabaseError, 390100, "Incorrect username or password")
    assert "cannot reach Snowflake at svc@acme" in err(errors.OperationalError, 250001, "Could not connect")
    assert "SELECT on the table" in err(errors.ProgrammingError, 2003, "Object 'PREDICTIONS' does not exist")
    assert "mapped column is missing" in err(errors.ProgrammingError, 904, "invalid identifier '\"SCORE\"'")
    assert "`warehouse`" in err(errors.ProgrammingError, 606, "No active warehouse selected")


def test_bytes_scanned_from_query_monitoring() -> None:
    """The shape of Snowflake's /monitoring/queries answer (what gosnowflake reads as ScanBytes)."""
    assert scan_bytes({"data": {"queries": [{"status": "SUCCESS", "stats": {"scanBytes": 1536}}]}}) == 1536
    assert scan_bytes({"data": {"queries": [{"status": "SUCCESS"}]}, "success": True}) is None   # fakesnow
    assert scan_bytes({"data": {"queries": []}}) is None
    assert scan_bytes({"data": {"queries": [{"stats": {"scanBytes": True}}]}}) is None


def test_labels_joined_to_a_users_select_use_one_alias_spelling() -> None:
    """The alias telltale gives the user's subquery ("P") is folded like the references to it
    ("P"."ID"); only the SELECT inside keeps the user's spelling."""
    actuals = ActualsSpec(source=SourceSpec(sql="select id, label from raw.labels"), id="id", columns=("label",))
    model = _model(source=SourceSpec(sql='select id, ts, "x" from raw.preds'), id="id", actuals=actuals,
                   actual_columns=frozenset({"label"}), segments=())
    sql = _sql(scalar_query(model, CONN, RNG, [count_rows(), Partial("sum", exp.column("label", quoted=True))]).tree)
    assert '(SELECT id, ts, "x" FROM raw.preds) AS "P"' in sql and '(SELECT id, label FROM raw.labels) AS "L0"' in sql
    assert '"P"."ID" = "L"."ID"' in sql and '"p"' not in sql and '"l0"' not in sql


def test_only_failed_or_timed_out_requests_are_retried() -> None:
    """A request lost on the way is tried again (with_retries); a refused login or an SQL error is not."""
    from snowflake.connector import errors

    from telltale.connectors.retry import with_retries
    from telltale.connectors.snowflake import _transient

    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise errors.OperationalError(msg="Failed to execute request: Read timed out", errno=250003)
        return "ok"

    assert with_retries(flaky, _transient, max_wait=0.01) == "ok" and len(calls) == 3
    assert not _transient(errors.DatabaseError(msg="Incorrect username or password", errno=390100))
    assert not _transient(errors.ProgrammingError(msg="Object does not exist", errno=2003))
    assert not _transient(errors.OperationalError(msg="Could not connect", errno=250001))
