"""The SELECT guard: one read-only SELECT, no writes, no statements, no file or SQL-text functions."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from telltale.connectors.relations import sql_relation
from telltale.connectors.safety import ensure_select, file_read, function_name
from telltale.errors import UnsafeQueryError

TOP_LEVEL = "only SELECT statements may reach a warehouse, got"
NESTED = "only SELECT statements may reach a warehouse; found"


def _parse(sql: str, dialect: str) -> exp.Expression:
    return sqlglot.parse_one(sql, read=dialect)


# Statements that are not a query: the top-level check refuses them before any walk.
@pytest.mark.parametrize("dialect, sql, kind", [
    ("duckdb", "ATTACH 'other.db' AS o", "ATTACH"),
    ("duckdb", "DETACH o", "DETACH"),
    ("duckdb", "PRAGMA version", "PRAGMA"),
    ("sqlite", "PRAGMA table_info(t)", "PRAGMA"),
    ("duckdb", "DESCRIBE t", "DESCRIBE"),
    ("mysql", "DESCRIBE t", "DESCRIBE"),
    ("snowflake", "DESCRIBE TABLE t", "DESCRIBE"),
    ("duckdb", "COPY t TO 'out.csv'", "COPY"),
    ("postgres", "COPY t TO '/tmp/out'", "COPY"),
    ("duckdb", "SET threads = 1", "SET"),
    ("postgres", "SET search_path = x", "SET"),
    ("duckdb", "CALL pragma_version()", "CALL"),
    ("snowflake", "CALL p()", "CALL"),
    ("bigquery", "EXPORT DATA OPTIONS (uri='gs://b/*') AS SELECT 1", "EXPORT"),
    ("duckdb", "INSTALL httpfs", "INSTALL"),
    ("duckdb", "LOAD httpfs", "LOAD"),
    ("duckdb", "SUMMARIZE t", "SUMMARIZE"),
    ("duckdb", "SHOW TABLES", "SHOW"),
    ("duckdb", "USE other", "USE"),
    ("duckdb", "EXPLAIN SELECT 1", "EXPLAIN"),
    ("duckdb", "BEGIN", "TRANSACTION"),
    ("duckdb", "CREATE SECRET s (TYPE s3)", "CREATE"),
    ("duckdb", "DELETE FROM t", "DELETE"),
    ("postgres", "UPDATE t SET a = 1", "UPDATE"),
    ("duckdb", "DROP TABLE t", "DROP"),
    # not statements at all: only the top-level check catches these
    ("duckdb", "CHECKPOINT", "COLUMN"),
    ("duckdb", "1 + 1", "ADD"),
    ("duckdb", "VALUES (1)", "VALUES"),
])
def test_top_level_check_refuses_every_statement_that_is_not_a_query(dialect, sql, kind) -> None:
    with pytest.raises(UnsafeQueryError) as info:
        ensure_select(_parse(sql, dialect))
    assert str(info.value).startswith(f"{TOP_LEVEL} {kind}")
    assert "a model's `source.sql` must be a single SELECT" in str(info.value)


@pytest.mark.parametrize("sql", ["SELECT 1; SELECT 2", "SELECT * FROM t; DELETE FROM t",
                                 "SELECT 1 -- a comment\n; DROP TABLE t"])
def test_several_statements_are_refused(sql) -> None:
    """A block of statements holds no forbidden node when all are SELECTs: only the top check sees it."""
    with pytest.raises(UnsafeQueryError, match="got several statements"):
        sql_relation(sql, "duckdb")


# Queries whose top is a SELECT but that write somewhere inside: the nested walk refuses them.
@pytest.mark.parametrize("dialect, sql, found", [
    ("duckdb", "SELECT 1 INTO t", "SELECT ... INTO"),
    ("postgres", "SELECT 1 INTO t", "SELECT ... INTO"),
    ("tsql", "SELECT 1 AS a INTO t FROM x", "SELECT ... INTO"),
    ("snowflake", "SELECT 1 INTO t", "SELECT ... INTO"),
    ("duckdb", "SELECT 1 UNION ALL SELECT 2 INTO t", "SELECT ... INTO"),
    ("duckdb", "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x", "DELETE"),
    ("postgres", "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x", "DELETE"),
    ("duckdb", "WITH x AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM x", "INSERT"),
    ("postgres", "WITH x AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM x", "INSERT"),
    ("postgres", "WITH x AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM x", "UPDATE"),
    ("postgres", "SELECT * FROM (WITH y AS (INSERT INTO t VALUES (1) RETURNING a) SELECT a FROM y) s", "INSERT"),
    ("postgres", "SELECT a FROM t WHERE a IN (WITH d AS (DELETE FROM t RETURNING a) SELECT a FROM d)", "DELETE"),
])
def test_nested_check_refuses_writes_inside_a_select(dialect, sql, found) -> None:
    tree = _parse(sql, dialect)
    assert isinstance(tree, exp.Query)           # the top-level check alone would let it through
    with pytest.raises(UnsafeQueryError) as info:
        ensure_select(tree)
    assert str(info.value).startswith(f"{NESTED} {found}")


@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM READ_TEXT('/etc/hostname')",
    'SELECT * FROM "read_text"(\'/etc/hostname\')',
    'SELECT * FROM "Read_Text"(\'/etc/hostname\')',
    "SELECT * FROM main.read_text('/etc/hostname')",
    "SELECT * FROM memory.main.read_text('/etc/hostname')",
    "SELECT p.*, t.content FROM predictions p, read_text('/etc/hostname') t",
    "SELECT * FROM t, LATERAL read_text('/etc/hostname')",
    "SELECT * FROM t JOIN read_blob('/etc/hostname') b ON true",
    "SELECT * FROM t WHERE a IN (SELECT content FROM read_text('/etc/hostname'))",
    "WITH f AS (SELECT * FROM read_text('/etc/hostname')) SELECT * FROM f",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM query('SELECT * FROM read_text(''/etc/hostname'')')",
    "SELECT * FROM query_table('t')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('/etc/passwd')",
    "SELECT * FROM read_csv(['/etc/passwd', '/etc/group'])",
    "SELECT * FROM read_parquet('/data/x.parquet')",
    "SELECT * FROM read_json('/data/x.json')",
    "SELECT * FROM read_json_auto('/data/x.json')",
    "SELECT * FROM read_ndjson_objects('/data/x.json')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM parquet_metadata('/data/x.parquet')",
    "SELECT * FROM parquet_scan('/data/x.parquet')",
    "SELECT * FROM iceberg_scan('s3://b/t')",
    "SELECT * FROM delta_scan('s3://b/t')",
    "SELECT * FROM sqlite_scan('/data/x.db', 't')",
    "SELECT * FROM postgres_scan('dbname=x', 'public', 't')",
    "SELECT * FROM pragma_table_info('t')",
    "SELECT * FROM duckdb_secrets()",
    "SELECT * FROM some_new_extension_reader('/etc/hostname')",   # unknown table functions too
    "SELECT read_text('/etc/hostname')",
    "SELECT getenv('HOME')",
    "SELECT current_setting('allowed_paths')",
])
def test_file_and_sql_text_functions_are_refused_whatever_their_spelling(sql) -> None:
    with pytest.raises(UnsafeQueryError, match=r"the function \w+\(\) may not reach a warehouse"):
        sql_relation(sql, "duckdb")


@pytest.mark.parametrize("dialect, sql", [
    ("postgres", "SELECT pg_read_file('/etc/passwd')"),
    ("postgres", "SELECT * FROM pg_ls_dir('/etc')"),
    ("postgres", "SELECT * FROM dblink('host=x', 'select 1') AS t(a int)"),
    ("postgres", "SELECT lo_import('/etc/passwd')"),
    ("mysql", "SELECT LOAD_FILE('/etc/passwd')"),
    ("tsql", "SELECT * FROM OPENROWSET('MSDASQL', 'Driver=x', 'SELECT 1') AS x"),
    ("bigquery", "SELECT * FROM EXTERNAL_QUERY('conn', 'SELECT 1')"),
])
def test_file_functions_of_other_dialects_are_refused(dialect, sql) -> None:
    try:
        tree = _parse(sql, dialect)
    except sqlglot.errors.ParseError:
        pytest.fail(f"{sql!r} should parse in {dialect}")
    with pytest.raises(UnsafeQueryError, match="may not reach a warehouse"):
        ensure_select(tree)


@pytest.mark.parametrize("dialect, sql", [
    ("postgres", "SELECT set_config('TimeZone', 'Asia/Kolkata', false), * FROM t"),
    ("postgres", "SELECT SET_CONFIG('statement_timeout', '0', false)"),
    ("redshift", "SELECT set_config('query_group', 'x', false)"),
    ("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"),
    ("postgres", "SELECT pg_cancel_backend(123)"),
    ("postgres", "SELECT pg_reload_conf()"),
    ("postgres", "SELECT pg_notify('channel', 'payload')"),
])
def test_functions_that_change_the_session_or_act_on_the_server_are_refused(dialect, sql) -> None:
    """A SELECT may not undo the session's pinning (`set_config` is SET as a function: a time
    zone other than UTC shifts every later bucket, statement_timeout 0 lifts the timeout) nor
    signal, reload or notify the server; the message names that kind of function, not only
    file readers."""
    with pytest.raises(UnsafeQueryError, match="may not reach a warehouse.*change the session's settings"):
        ensure_select(_parse(sql, dialect))


@pytest.mark.parametrize("sql", ["SELECT * FROM 'data.csv'", 'SELECT * FROM "/etc/passwd"',
                                 "SELECT * FROM 's3://bucket/x.parquet'", "SELECT * FROM t JOIN 'x.json' j ON true"])
def test_table_names_that_are_files_are_refused(sql) -> None:
    """DuckDB reads `FROM 'x.csv'` as a file (a replacement scan)."""
    with pytest.raises(UnsafeQueryError, match="looks like a file path"):
        sql_relation(sql, "duckdb")


@pytest.mark.parametrize("sql", [
    "SELECT a, count(*) FROM t WHERE b > 0 GROUP BY a",
    "SELECT * FROM range(10) r(i)",
    "SELECT * FROM generate_series(1, 3)",
    "SELECT * FROM unnest([1, 2, 3])",
    "SELECT * FROM \"events.v2\"",
    "SELECT x GLOB 'a*' FROM t",                   # the GLOB operator matches strings, it lists no files
    "SELECT readings, read_count FROM t AS read_text",
    "WITH q AS (SELECT 1 AS a) SELECT a FROM q UNION ALL SELECT 2",
])
def test_ordinary_selects_pass(sql) -> None:
    tree = _parse(sql, "duckdb")
    assert ensure_select(tree) is tree


def test_only_the_file_reads_a_connector_built_pass() -> None:
    """The (function, path) pairs given as allowed_reads pass; the same reader on another path does not."""
    own = exp.Table(this=exp.Anonymous(this="read_parquet", expressions=[exp.Literal.string("/data/p/**/*.parquet"),
                                                                         exp.EQ(this=exp.column("hive_partitioning"),
                                                                                expression=exp.true())]))
    assert file_read(own.this) == ("read_parquet", "/data/p/**/*.parquet")
    query = exp.select("*").from_(own)
    allowed = {("read_parquet", "/data/p/**/*.parquet")}
    assert ensure_select(query, allowed_reads=allowed) is query
    with pytest.raises(UnsafeQueryError, match=r"read_parquet\(\)"):
        ensure_select(query)                                          # nothing allowed
    other = exp.select("*").from_(exp.Table(this=exp.Anonymous(
        this="read_parquet", expressions=[exp.Literal.string("/etc/x.parquet")])))
    with pytest.raises(UnsafeQueryError):
        ensure_select(other, allowed_reads=allowed)
    text = exp.select("*").from_(exp.Table(this=exp.Anonymous(
        this="read_text", expressions=[exp.Literal.string("/data/p/**/*.parquet")])))
    with pytest.raises(UnsafeQueryError, match=r"read_text\(\)"):
        ensure_select(text, allowed_reads=allowed)                    # same path, another reader
    parsed = _parse("SELECT * FROM read_parquet('/data/p/**/*.parquet', hive_partitioning = true)", "duckdb")
    assert function_name(parsed.find(exp.ReadParquet)) == "read_parquet"
    assert ensure_select(parsed, allowed_reads=allowed) is parsed     # typed sqlglot node, same pair


def test_describe_of_a_delete_raises_the_guards_own_error(tmp_path) -> None:
    import duckdb

    from telltale.connectors.base import SourceSpec
    from telltale.connectors.duckdb import DuckDBConnector

    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    con.close()
    c = DuckDBConnector(str(db))
    with pytest.raises(UnsafeQueryError) as info:
        c.describe(SourceSpec(sql="delete from t"))
    assert type(info.value) is UnsafeQueryError
    assert str(info.value).startswith(f"{TOP_LEVEL} DELETE (DELETE FROM t)")
    with pytest.raises(UnsafeQueryError) as nested:
        c.describe(SourceSpec(sql="with x as (delete from t returning *) select * from x"))
    assert str(nested.value).startswith(f"{NESTED} DELETE")
    assert c.describe(SourceSpec(table="t")) == {"a": "numeric"}
    c.close()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(1,)]
    con.close()
