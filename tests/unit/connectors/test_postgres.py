"""PostgreSQL and Redshift: the SQL rules and session settings their test peer cannot check.

Blind spot of the peer: Redshift is tested on a real PostgreSQL through `driver: psycopg`.
PostgreSQL runs several `PERCENTILE_CONT ... WITHIN GROUP` with different ORDER BY columns
in one statement and `TABLESAMPLE`, both of which real Redshift rejects; it has
`default_transaction_read_only`, which Redshift lacks, and no `query_group`, which Redshift
has; and redshift_connector (password or IAM) cannot connect to it. So the generated
Redshift SQL and the driver's arguments are checked here, on the text and on a recording
stand-in for `redshift_connector.connect` (the only thing mocked: no IAM endpoint or Redshift
cluster can run here).
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from telltale.config.connections import RedshiftConnection
from telltale.connectors.postgres import DIALECT as PG, Session, explain, is_transient, session_statements
from telltale.connectors.redshift import DIALECT as RS, RedshiftConnector, connect_kwargs
from telltale.connectors.types import accepts, why_not

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "e2e"))
from churn_project import CONFIG, METRICS  # noqa: E402

AT = datetime(2026, 3, 13, tzinfo=timezone.utc)


def _plan(tmp_path: Path, dialect: str) -> list[tuple[str, str]]:
    from telltale.config import load_project
    from telltale.runner.compile import compile_project

    (tmp_path / "metrics").mkdir()
    (tmp_path / "telltale.yml").write_text(CONFIG)
    (tmp_path / "metrics" / "churn.metric").write_text(METRICS)
    ((_, queries),) = list(compile_project(load_project(tmp_path), model=None, dialect=dialect, at=AT))
    return queries


def test_redshift_takes_one_columns_quantiles_per_statement_and_never_samples(tmp_path: Path) -> None:
    queries = _plan(tmp_path, "redshift")
    grids = [sqlglot.parse_one(sql, read="redshift") for kind, sql in queries
             if "PERCENTILE_CONT" in sql.upper()]
    assert len(grids) >= 2   # tenure and spend: two statements, not one
    for tree in grids:
        ordered = {o.this.sql() for wg in tree.find_all(exp.WithinGroup)
                   for o in wg.expression.find_all(exp.Ordered)}
        columns = {c.name for o in ordered for c in sqlglot.parse_one(o).find_all(exp.Column)}
        assert len(columns) == 1, tree.sql("redshift")
    for _, sql in queries:
        assert "TABLESAMPLE" not in sql.upper() and "SAMPLE" not in sql.upper().replace("_SAMPLE", "")


def test_postgres_puts_every_columns_quantiles_in_one_statement(tmp_path: Path) -> None:
    queries = _plan(tmp_path, "postgres")
    grids = [sql for _, sql in queries if "PERCENTILE_CONT" in sql.upper()]
    assert len(grids) == 1 and '"tenure"' in grids[0] and '"spend"' in grids[0]


def test_the_dialects_keep_booleans_out_of_double_casts() -> None:
    # CAST(boolean AS DOUBLE PRECISION) fails on both engines: a numeric field cannot live in a
    # boolean column, and a boolean field needs a BOOLEAN column (an INTEGER fails in AND)
    for dialect in (PG, RS):
        assert not accepts("numeric", "boolean", dialect)
        assert not accepts("boolean", "numeric", dialect) and not accepts("boolean", "string", dialect)
        assert accepts("boolean", "boolean", dialect) and accepts("numeric", "numeric", dialect)
    assert accepts("numeric", "boolean", "duckdb") and accepts("boolean", "numeric", "duckdb")
    message = why_not("boolean", "numeric", PG, "label")
    assert message is not None and "map it as numeric" in message and "label = 1 AS label_flag" in message
    message = why_not("numeric", "boolean", RS, "flag")
    assert message is not None and "CAST(flag AS INT) AS flag_num" in message


def test_postgres_session_pins_utc_timeout_literals_read_only_and_search_path() -> None:
    statements = session_statements('we"ird', 90, read_only_setting=True, query_group=False)
    assert statements == ("SET timezone TO 'UTC'", "SET statement_timeout TO 90000",
                          "SET standard_conforming_strings TO on",
                          "SET default_transaction_read_only TO on", 'SET search_path TO "we""ird"')


def test_redshift_session_has_no_read_only_setting_but_a_query_group() -> None:
    statements = session_statements(None, 900, read_only_setting=False, query_group=True, conforming_strings=False)
    assert statements == ("SET timezone TO 'UTC'", "SET statement_timeout TO 900000",
                          "SET query_group TO 'telltale'")


class _Recorder:
    """Stands in for redshift_connector.connect (no Redshift or IAM endpoint can run here)."""

    def __init__(self) -> None:
        self.kwargs: dict[str, Any] = {}
        self.statements: list[str] = []

    def connect(self, **kwargs: Any) -> Any:
        self.kwargs = kwargs
        recorder = self

        class Cursor:
            description = [("n", 20)]

            def execute(self, sql: str) -> None:
                recorder.statements.append(sql)

            def fetchall(self) -> list[tuple[int]]:
                return [(7,)]

            def close(self) -> None:
                pass

        class Con:
            autocommit = False

            def cursor(self) -> Cursor:
                return Cursor()

            def close(self) -> None:
                pass

        return Con()


def test_redshift_iam_goes_through_redshift_connector(monkeypatch: pytest.MonkeyPatch) -> None:
    redshift_connector = pytest.importorskip("redshift_connector")
    rec = _Recorder()
    monkeypatch.setattr(redshift_connector, "connect", rec.connect)
    cfg = RedshiftConnection.model_validate({
        "type": "redshift", "database": "analytics", "user": "monitor", "schema": "ml",
        "iam": {"cluster_identifier": "prod", "region": "eu-west-1", "profile": "ops"}, "timeout": "5m"})
    c = RedshiftConnector(**cfg.params())
    table, _ = c.execute(sqlglot.parse_one("SELECT COUNT(*) AS n FROM t", read="redshift"))
    assert table.column("n")[0].as_py() == 7
    assert rec.kwargs == {"database": "analytics", "port": 5439, "application_name": "telltale",
                          "timeout": 310, "iam": True, "cluster_identifier": "prod",
                          "region": "eu-west-1", "profile": "ops", "db_user": "monitor"}
    assert rec.statements[:4] == ["SET timezone TO 'UTC'", "SET statement_timeout TO 300000",
                                  "SET query_group TO 'telltale'", 'SET search_path TO "ml"']
    assert rec.statements[4:] == ["BEGIN READ ONLY", 'SELECT COUNT(*) AS n FROM t', "COMMIT"]


def test_password_login_kwargs() -> None:
    assert connect_kwargs("h", 5439, "dev", "u", "p", None, {"ssl": True}) == {
        "database": "dev", "port": 5439, "application_name": "telltale", "timeout": 910, "host": "h",
        "user": "u", "password": "p", "ssl": True}


class _Err(Exception):
    def __init__(self, text: str, state: str | None = None, as_dict: bool = False) -> None:
        super().__init__({"C": state, "M": text} if as_dict else text)
        if not as_dict:
            self.sqlstate = state


SESSION = Session("h:5439/dev", "ml", 30.0, ())


@pytest.mark.parametrize("err,expected", [
    (_Err("password authentication failed", "28P01"), "refused the login at h:5439/dev"),
    (_Err('relation "t" does not exist', "42P01", as_dict=True), "table not found"),
    (_Err("canceling statement due to statement timeout", "57014"), "statement timeout of 30 s"),
    (_Err("permission denied for table t", "42501"), "grant the connection's user USAGE"),
    (_Err("connection refused"), "cannot reach Redshift at h:5439/dev"),
    (_Err("value out of range: overflow", "22003"), "squares such values, or filter them out"),
])
def test_errors_say_what_to_check(err: Exception, expected: str) -> None:
    assert expected in explain(err, SESSION, "Redshift")


def test_which_errors_are_retried() -> None:
    class OperationalError(Exception):
        pass

    assert is_transient(_Err("server closed the connection", "08006"))
    assert is_transient(_Err("could not serialize access", "40001", as_dict=True))
    assert is_transient(OperationalError("connection refused"))
    assert not is_transient(OperationalError('FATAL: password authentication failed for user "u"'))
    assert not is_transient(_Err("statement timeout", "57014"))
    assert not is_transient(_Err("relation does not exist", "42P01"))


def test_redshift_result_columns_come_back_under_the_asked_names() -> None:
    """Redshift folds even quoted names to lower case (unless enable_case_sensitive_identifier);
    PostgreSQL keeps them, so the peer cannot show it: the names are sent as written and the
    lower-cased result columns are renamed back."""
    import pyarrow as pa

    tree = sqlglot.parse_one('SELECT "Plan", COUNT(*) AS p0 FROM "Events" GROUP BY "Plan"', read="redshift")
    assert RS.render(tree) == 'SELECT "Plan", COUNT(*) AS p0 FROM "Events" GROUP BY "Plan"'
    table = RS.result_names(pa.table({"plan": ["a"], "p0": [1]}), tree)
    assert table.column_names == ["Plan", "p0"]
    assert PG.result_names(pa.table({"plan": ["a"]}), tree).column_names == ["plan"]
