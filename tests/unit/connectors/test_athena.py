"""The athena dialect's SQL and result decoding, checked without Athena.

Blind spot of the peer: moto's Athena executes no SQL (results are canned), so the rules of
Athena's engine (Trino) that moto cannot check are checked here on the generated SQL: every
statement the planner writes for athena parses with sqlglot's *trino* dialect, time bounds
are typed TIMESTAMP literals against the bare column (Trino does not coerce strings to
timestamps; no function wraps the column, so partitions prune), bin edges use
approx_percentile, and lower-case result names are matched back to the planner's.
The meaning of that SQL is checked on DuckDB by the conformance suite (tests/conformance/target_athena.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp

from telltale.connectors.athena import DIALECT
from telltale.connectors.athena_types import glue_kind, to_arrow
from telltale.connectors.relations import sql_relation

SNAPSHOTS = sorted((Path(__file__).parents[2] / "snapshots" / "athena").glob("*.sql"))


def statements() -> list[tuple[str, str]]:
    out = []
    for path in SNAPSHOTS:
        for i, sql in enumerate(s for s in path.read_text().split(";") if s.strip() and "SELECT" in s.upper()):
            out.append((f"{path.stem}#{i}", sql))
    return out


def test_there_are_athena_statements_to_check() -> None:
    assert len(statements()) >= 5


@pytest.mark.parametrize(("name", "sql"), statements())
def test_every_athena_statement_parses_as_trino(name: str, sql: str) -> None:
    tree = sqlglot.parse_one(sql, read="trino", error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(tree, exp.Query), name
    for cmp in tree.find_all(exp.GTE, exp.LT):
        right = cmp.expression
        if isinstance(right, exp.Cast) and right.this.is_string:
            assert right.to.this == exp.DataType.Type.TIMESTAMP, name      # a typed literal, never a bare string
            assert isinstance(cmp.this, exp.Column), name                   # the bare column: partitions prune


def test_bin_edges_use_approx_percentile() -> None:
    q = DIALECT.quantile_of(exp.column("x"), 0.25)
    assert DIALECT.render(exp.select(q.as_("q"))) == "SELECT APPROX_PERCENTILE(x, 0.25) AS q"
    assert sqlglot.parse_one(DIALECT.render(exp.select(q.as_("q"))), read="trino").find(exp.ApproxQuantile)


def test_names_are_sent_as_written_and_lower_case_results_matched_back() -> None:
    """Athena folds every name to lower case itself (Glue stores them so; result columns come
    back so): the SQL keeps the planner's names, the result's are matched back to them."""
    user = sql_relation('SELECT "Score" FROM "Sales"."Preds"', "athena")
    tree = exp.select(exp.column("Score", quoted=True).as_(exp.to_identifier("Mean_Score", quoted=True))
                      ).from_(user.as_("s"))
    assert DIALECT.render(tree) == 'SELECT "Score" AS "Mean_Score" FROM (SELECT "Score" FROM "Sales"."Preds") AS s'
    got = DIALECT.result_names(pa.table({"mean_score": [1.0]}), tree)
    assert got.column_names == ["Mean_Score"]


def test_time_bounds_are_timestamp_literals() -> None:
    value = DIALECT.time_value(dt.datetime(2024, 3, 1, 12, 0, 0, 5))
    assert DIALECT.render(value) == "CAST('2024-03-01 12:00:00.000005' AS TIMESTAMP)"


@pytest.mark.parametrize(("glue", "kind"), [
    ("bigint", "numeric"), ("int", "numeric"), ("decimal(12,4)", "numeric"), ("double", "numeric"),
    ("float", "numeric"), ("boolean", "boolean"), ("string", "string"), ("varchar(10)", "string"),
    ("char(2)", "string"), ("timestamp", "timestamp"), ("date", "date"), ("array<int>", "list"),
    ("map<string,int>", "map"), ("struct<a:int>", "struct"), ("binary", "binary"), ("interval", "other"),
])
def test_glue_types_map_to_kinds(glue: str, kind: str) -> None:
    assert glue_kind(glue) == kind


def test_an_empty_result_keeps_its_types() -> None:
    table = to_arrow([{"Name": "n", "Type": "bigint"}, {"Name": "t", "Type": "timestamp"},
                      {"Name": "m", "Type": "decimal", "Precision": 12, "Scale": 4}], [])
    assert table.schema.types == [pa.int64(), pa.timestamp("us"), pa.decimal128(12, 4)]


def test_a_timestamp_in_another_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="zone America/New_York"):
        to_arrow([{"Name": "t", "Type": "timestamp with time zone"}], [["2024-03-01 00:00:00.000 America/New_York"]])
