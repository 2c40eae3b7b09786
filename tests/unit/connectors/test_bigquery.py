"""BigQuery rules the emulator cannot check, asserted on the SQL telltale renders and the job it configures.

bqemulator runs the SQL on DuckDB: it accepts comparing a DATETIME literal with a TIMESTAMP
column (real BigQuery rejects that; sqlglot renders `CAST(... AS TIMESTAMP)` as DATETIME) and
reports 0 bytes processed, so it cannot show that the time filter prunes partitions. Both are
checked here on the statements of a whole run (`telltale compile --dialect bigquery`) for a
DATETIME, a TIMESTAMP and a DATE time column: every time bound compares the bare column with a
string literal (BigQuery coerces it to the column's type, and a filter on the bare partitioning
column prunes), and nothing is cast to DATETIME or TIMESTAMP.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from conformance import framework
from telltale.config import load_project
from telltale.connectors.bigquery import DIALECT, TAG, BigQueryConnector, _kind, _transient
from telltale.errors import ConfigError
from telltale.runner.compile import compile_project

bigquery = pytest.importorskip("google.cloud.bigquery")   # in the dev extra
COMPARISONS = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.EQ)


@pytest.fixture(scope="module")
def statements(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[str, str]]]:
    """model -> (kind, SQL) of a first run on BigQuery: the conformance project's three time columns."""
    target = framework.Target(connection={"type": "bigquery", "project": "p", "dataset": "d"},
                              source={"table": "predictions"}, blind_spot="-")
    root = framework.write_project(tmp_path_factory.mktemp("bq"), target)
    project = load_project(root)
    return dict(compile_project(project, model=None, dialect=None, at=framework.AT, full=True, pretty=False))


def test_every_time_bound_compares_the_bare_column_with_a_string_literal(statements) -> None:
    seen = 0
    for model, column in framework.MODELS.items():
        for kind, sql in statements[model]:
            tree = sqlglot.parse_one(sql, read="bigquery")
            for where in tree.find_all(exp.Where):
                for cmp in where.find_all(*COMPARISONS):
                    sides = (cmp.this, cmp.expression)
                    if not any(isinstance(s, exp.Column) and s.name == column for s in sides) and \
                            not any(c.name == column for s in sides for c in s.find_all(exp.Column)):
                        continue
                    col, lit = sides if isinstance(sides[0], exp.Column) else sides[::-1]
                    assert isinstance(col, exp.Column) and col.name == column, f"{kind}: {cmp.sql('bigquery')}"
                    assert isinstance(lit, exp.Literal) and lit.is_string, f"{kind}: {cmp.sql('bigquery')}"
                    if column == "day":   # a DATE column: date-only literals, which coerce to DATE
                        assert len(lit.name) == 10, f"{kind}: {lit.name}"
                    datetime.fromisoformat(lit.name)
                    seen += 1
    assert seen >= 12


def test_nothing_is_cast_to_datetime_or_timestamp(statements) -> None:
    for model in framework.MODELS:
        for kind, sql in statements[model]:
            tree = sqlglot.parse_one(sql, read="bigquery")
            casts = {c.to.sql("bigquery") for c in tree.find_all(exp.Cast)}
            assert not casts & {"DATETIME", "TIMESTAMP"}, f"{model} {kind}: {sql}"
            assert "DATETIME" not in sql.upper().replace("DATETIME_", ""), sql


def test_daily_buckets_cast_the_time_column_to_date_outside_the_where(statements) -> None:
    for model, column in framework.MODELS.items():
        scans = [sql for kind, sql in statements[model] if kind.endswith("scan")]
        assert scans
        for sql in scans:
            tree = sqlglot.parse_one(sql, read="bigquery")
            buckets = [c for c in tree.find_all(exp.Cast) if c.to.sql("bigquery") == "DATE"
                       and isinstance(c.this, exp.Column) and c.this.name == column]
            assert buckets, sql
            assert all(b.find_ancestor(exp.Where) is None for b in buckets)


def test_a_time_literal_is_a_bare_string_whatever_the_time_of_day() -> None:
    assert DIALECT.time_value(datetime(2024, 3, 2)).sql("bigquery") == "'2024-03-02'"
    assert DIALECT.time_value(datetime(2024, 3, 2, 6, 30, 0, 5)).sql("bigquery") == "'2024-03-02 06:30:00.000005'"
    # what the emulator hides: the CAST form is a DATETIME in BigQuery's dialect
    assert "DATETIME" in exp.cast(exp.Literal.string("2024-03-02"), "timestamp").sql("bigquery")


def _connector(**kwargs) -> BigQueryConnector:
    """A client for an endpoint nobody listens on: building a job config sends nothing."""
    return BigQueryConnector(project="p", endpoint="http://127.0.0.1:9", **kwargs)


def test_the_job_config_carries_labels_cap_dataset_utc_and_timeout() -> None:
    conn = _connector(dataset="d", labels={"team": "ml"}, max_bytes_billed=10**9, timeout=60)
    try:
        cfg = conn.job_config()
        assert cfg.labels == {"team": "ml", **TAG}
        assert cfg.maximum_bytes_billed == 10**9
        assert int(cfg.job_timeout_ms) == 60_000
        assert str(cfg.default_dataset) == "p.d"
        assert [(p.key, p.value) for p in cfg.connection_properties] == [("time_zone", "UTC")]
        assert cfg.use_legacy_sql is False and not cfg.dry_run
        dry = conn.job_config(dry_run=True)
        assert dry.dry_run and dry.use_query_cache is False
    finally:
        conn.close()


def test_defaults_fifteen_minutes_no_cap_and_only_the_telltale_label() -> None:
    conn = _connector()
    try:
        cfg = conn.job_config()
        assert cfg.labels == TAG and cfg.maximum_bytes_billed is None and int(cfg.job_timeout_ms) == 900_000
        assert cfg.default_dataset is None
    finally:
        conn.close()


def test_a_dataset_may_name_another_project() -> None:
    conn = _connector(dataset="shared-proj.preds")
    try:
        assert str(conn.job_config().default_dataset) == "shared-proj.preds"
        assert conn._table_id("t") == "shared-proj.preds.t"
        assert conn._table_id("ds.t") == "p.ds.t"
        assert conn._table_id("`x-1`.ds.t") == "x-1.ds.t"
    finally:
        conn.close()


def test_an_unqualified_table_without_a_dataset_is_a_config_error() -> None:
    from telltale.connectors.base import SourceSpec

    conn = _connector()
    try:
        with pytest.raises(ConfigError, match="names no dataset: write dataset.predictions or set `dataset:`"):
            conn.relation(SourceSpec(table="predictions"))
    finally:
        conn.close()


def test_transient_errors_are_server_side_and_network_never_bad_queries_or_timeouts() -> None:
    import requests
    from google.api_core import exceptions as gexc

    assert _transient(gexc.ServiceUnavailable("x")) and _transient(gexc.InternalServerError("x"))
    assert _transient(gexc.TooManyRequests("x"))
    assert _transient(gexc.Forbidden("x", errors=[{"reason": "rateLimitExceeded"}]))
    assert _transient(requests.exceptions.ConnectionError("reset"))
    assert not _transient(gexc.Forbidden("x", errors=[{"reason": "accessDenied"}]))
    assert not _transient(gexc.BadRequest("Unrecognized name: nope"))
    assert not _transient(gexc.NotFound("Table not found"))
    assert not _transient(requests.exceptions.ReadTimeout("slow"))
    assert not _transient(TimeoutError())


@pytest.mark.parametrize(("error", "says"), [
    ("NotFound", "check `project`, `dataset`, the table name and `location`"),
    ("Forbidden", "roles/bigquery.jobUser on the project and roles/bigquery.dataViewer on the dataset"),
    ("BadRequest", "BigQuery rejected the query"),
])
def test_errors_say_what_to_check(error: str, says: str) -> None:
    from google.api_core import exceptions as gexc

    conn = _connector()
    try:
        assert says in conn._explain(getattr(gexc, error)("boom"))
        capped = conn._explain(gexc.BadRequest("Query exceeded limit for bytes billed: 10. 20 or higher required."))
        assert "raise `max_bytes_billed`" in capped
    finally:
        conn.close()


def test_column_kinds_from_the_schema() -> None:
    F = bigquery.SchemaField
    assert [_kind(f) for f in (F("a", "INTEGER"), F("b", "NUMERIC"), F("c", "BOOLEAN"), F("d", "STRING"),
                               F("e", "TIMESTAMP"), F("f", "DATETIME"), F("g", "DATE"), F("h", "BYTES"),
                               F("i", "INT64", mode="REPEATED"), F("j", "GEOGRAPHY"), F("k", "JSON"))] == [
        "numeric", "numeric", "boolean", "string", "timestamp", "timestamp", "date", "binary", "list",
        "other", "other"]


def _write(root: Path, labels: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "telltale.yml").write_text(
        "version: 1\nconnections:\n  bq:\n    type: bigquery\n    project: p\n"
        f"    labels: {labels}\nmodels: {{}}\nmonitors: []\n")
    return root


@pytest.mark.parametrize(("labels", "says"), [
    ("{Team: ml}", "label key 'Team' is not a BigQuery label"),
    ("{team: 'ML ops'}", "label value 'ML ops'"),
    ("{tool: mine}", "the label `tool` is set by telltale"),
])
def test_invalid_labels_are_config_errors_naming_the_line(tmp_path: Path, labels: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as err:
        load_project(_write(tmp_path, labels))
    assert "telltale.yml:" in str(err.value)


def test_valid_labels_pass(tmp_path: Path) -> None:
    project = load_project(_write(tmp_path, "{team: ml-ops, env: prod_1, owner: ''}"))
    assert project.connection("bq").labels == {"team": "ml-ops", "env": "prod_1", "owner": ""}


def test_the_daily_run_reads_one_day_of_the_needed_columns(tmp_path: Path) -> None:
    """Issue 7 item 4 on the predicate (the emulator reports no bytes): after a run the day before,
    every scan of the daily run reads the table through one subquery per reference that names
    its columns (no `*`) and bounds the bare time column to the focal day only, so a table
    partitioned by day on it is read for that one partition. The staleness query is bounded to
    the last 2 x max_age; its fallback over all time is sent only when that finds no row."""
    from datetime import timedelta

    from peers import dataset
    from telltale.runner.run import run_project

    root = framework.write_project(tmp_path / "p", framework.duckdb_target(tmp_path / "data", dataset.build()))
    project = load_project(root)
    run_project(project, at=framework.AT - timedelta(days=1), alerts=False)   # fills the store
    day = (framework.AT - timedelta(days=1)).strftime("%Y-%m-%d"), framework.AT.strftime("%Y-%m-%d")
    scans = staleness = 0
    for model, stmts in compile_project(project, model=None, dialect="bigquery", at=framework.AT, pretty=False):
        column = framework.TIME_COLUMNS[model]
        for kind, sql in stmts:
            if kind == "staleness":
                where = sqlglot.parse_one(sql, read="bigquery").find(exp.Where)
                lows = [c.expression.name for c in where.find_all(exp.GTE) if c.this.name == column]
                assert lows and min(lows) > "2000", sql       # not the epoch: recent partitions only
                staleness += 1
            if not kind.endswith("scan"):
                continue
            tree = sqlglot.parse_one(sql, read="bigquery")
            for table in tree.find_all(exp.Table):
                select = table.find_ancestor(exp.Select)
                assert not any(isinstance(e, exp.Star) for e in select.expressions), sql
                bounds = {(type(c).__name__, c.expression.name) for c in select.args["where"].find_all(exp.GTE, exp.LT)
                          if isinstance(c.this, exp.Column) and c.this.name == column}
                assert bounds == {("GTE", day[0]), ("LT", day[1])}, f"{model} {kind}: {sql}"
                scans += 1
    assert scans >= 4 and staleness >= 1
