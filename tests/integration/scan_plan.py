"""What DuckDB read from a registered pyarrow dataset: the arrow scan node of EXPLAIN ANALYZE."""

from __future__ import annotations

import json
from typing import Any

from sqlglot import exp

from telltale.core.timeutil import TimeRange


def window_query(relation: exp.Expression, column: str, time_column: str, rng: TimeRange) -> exp.Expression:
    """`SELECT SUM(col) FROM (SELECT col, ts FROM rel AS p WHERE ts >= a AND ts < b) AS m`: the planner's shape."""
    from telltale.connectors.duckdb import DIALECT
    from telltale.planner.relation import col, time_filter

    rel = relation.copy()
    rel.set("alias", exp.TableAlias(this=exp.to_identifier("p", quoted=True)))
    inner = exp.select(col(column), col(time_column)).from_(rel).where(time_filter(col(time_column), rng, DIALECT))
    return exp.select(exp.Sum(this=col(column)).as_("s")).from_(inner.subquery("m"))


def arrow_scan(con: Any, sql: str) -> dict[str, Any]:
    """The PYTHON_ARROW_SCAN node of `EXPLAIN (ANALYZE, FORMAT JSON) sql`: its Filters,
    Projections and the rows it produced (`rows`)."""
    plan = json.loads(con.sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql).fetchall()[0][1])
    stack = list(plan["operator"] if isinstance(plan, dict) else plan)
    while stack:
        node = stack.pop()
        info = node.get("extra_info", {})
        if info.get("Function") == "PYTHON_ARROW_SCAN":
            return {"filters": str(info.get("Filters", "")), "projections": info.get("Projections", ""),
                    "rows": node["intermediate_rows"]}
        stack.extend(node.get("children", []))
    raise AssertionError("no arrow scan in the plan")
