"""Dialect.render leaves the caller's tree as it was (callers render it again and read its
names after the query): the upper-case path renders its own transformed copy in place."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from telltale.connectors.dialect import USER_SQL, Dialect

SQL = ('SELECT "p"."score", COUNT(*) AS "n", SUM(CAST("p"."x" AS DOUBLE)) AS "s" '
       'FROM (SELECT "id", "score", "x" FROM "preds") AS "p" WHERE "p"."x" > 1 GROUP BY "p"."score"')


def _tree() -> exp.Expression:
    tree = sqlglot.parse_one(SQL, read="duckdb")
    tree.find(exp.Subquery).meta[USER_SQL] = True
    return tree


def test_upper_case_render_keeps_the_tree_and_uppercases_telltale_names() -> None:
    tree = _tree()
    before = tree.sql(dialect="duckdb")
    dialect = Dialect(name="snowflake", identifier_case="upper")
    first = dialect.render(tree)
    assert tree.sql(dialect="duckdb") == before                   # the caller's tree is untouched
    assert dialect.render(tree) == first                          # so a second render is the same
    assert '"P"."SCORE"' in first and 'AS "N"' in first
    assert 'SELECT "id", "score", "x" FROM "preds"' in first      # the user's SELECT as written


def test_preserve_render_keeps_the_tree() -> None:
    tree = _tree()
    before = tree.sql(dialect="duckdb")
    dialect = Dialect(name="duckdb")
    first = dialect.render(tree)
    assert tree.sql(dialect="duckdb") == before and dialect.render(tree) == first
    assert '"p"."score"' in first
