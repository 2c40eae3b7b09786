"""Handlers of the per-row and math built-ins: positive, if, abs, sqrt, ln, exp, clip, ...

Math functions work at both levels: over per-row values they become SQL inside the
aggregate (`sum(abs(p - a))`), over aggregates they become final-tree nodes evaluated in
Python (`sqrt(variance(x))`); constants are folded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from sqlglot import exp
from telltale.metric_dsl import final, sqlbuild
from telltale.metric_dsl.context import CallContext
from telltale.metric_dsl.values import Agg, Const, Mask, Row, Value


DEFAULT_THRESHOLD = 0.5


def positive_sql(x: Row, threshold: float = DEFAULT_THRESHOLD) -> exp.Expression:
    """A boolean is used as is; a numeric value is positive when >= threshold."""
    if x.kind == "boolean":
        return x.sql.copy()
    return sqlbuild.compare(">=", x.sql, sqlbuild.literal(threshold))


def positive(ctx: CallContext, args: Mapping[str, Value]) -> Value:
    """positive(x, threshold=0.5): the row counts as a positive prediction or label."""
    x = args["x"]
    t = args.get("threshold")
    threshold = float(t.value) if isinstance(t, Const) and t.value is not None else DEFAULT_THRESHOLD
    if isinstance(x, Const):
        return Const(bool(x.value) if x.kind == "boolean" else float(x.value) >= threshold, "boolean")
    assert isinstance(x, Row)
    if x.kind == "boolean" and threshold != DEFAULT_THRESHOLD:
        score = ctx.schema.first("predictions", ("numeric",))
        example = f"predictions.{score[0]}" if score else "a numeric prediction"
        ctx.fail(f"threshold={threshold:g} applies to a numeric score, but {x.label} is boolean "
                 f"and is used as is, so the threshold would change nothing; pass a score such "
                 f"as {example}, or drop threshold=")
    return Row(positive_sql(x, threshold), "boolean", x.filters, f"positive({x.label})")


def _cond(ctx: CallContext, v: Value) -> tuple[exp.Expression, tuple[exp.Expression, ...]]:
    if isinstance(v, Const):
        return sqlbuild.literal(bool(v.value)), ()
    if isinstance(v, Mask):
        ctx.fail("if() needs a condition without brackets: if(features.age > 30, 1, 0)")
    assert isinstance(v, Row)
    return v.sql, v.filters


def _branch(ctx: CallContext, v: Value, which: str) -> Row | Const:
    if isinstance(v, (Agg, Mask)):
        ctx.fail(f"the {which} branch of if() must be a per-row value or a constant, got {v.describe()}; "
                 "aggregate the if() instead: sum(if(cond, a, b))")
    return v  # type: ignore[return-value]


def _kind_of(v: Row | Const) -> str:
    if isinstance(v, Row):
        return v.kind
    return {"number": "numeric", "boolean": "boolean", "string": "categorical"}.get(v.kind, "none")


def if_(ctx: CallContext, args: Mapping[str, Value]) -> Value:
    """if(condition, then, else) per row; null where the condition is null."""
    cond_sql, cond_filters = _cond(ctx, args["condition"])
    then = _branch(ctx, args["then"], "then")
    other = _branch(ctx, args["else"], "else")
    kinds = {_kind_of(then), _kind_of(other)} - {"none"}
    if len(kinds) > 1:
        ctx.fail(f"both branches of if() must have the same kind, got {then.describe()} and "
                 f"{other.describe()}")
    kind = kinds.pop() if kinds else "numeric"
    filters = cond_filters + tuple(f for v in (then, other) if isinstance(v, Row) for f in v.filters)

    def sql(v: Row | Const) -> exp.Expression:
        return v.sql if isinstance(v, Row) else sqlbuild.literal(v.value)

    return Row(sqlbuild.case_when(cond_sql, sql(then), sql(other)), kind, filters, "if(...)")


MATH_ARITY = {"abs": 1, "sqrt": 1, "ln": 1, "exp": 1, "greatest": 2, "least": 2, "clip": 3,
              "coalesce": 2}


def _fold(fn: str, vals: list[float | None]) -> float | None:
    node = final.Math(fn, tuple(final.Const(v) for v in vals))
    from telltale.core.partials import PartialValues

    return node.evaluate(PartialValues({}))


def math_function(fn: str):
    """The handler of one math function (row level, aggregate level or constant)."""

    def handler(ctx: CallContext, args: Mapping[str, Value]) -> Value:
        vals = [args[k] for k in list(args)[:MATH_ARITY[fn]] if k != "filter"]
        rows = [v for v in vals if isinstance(v, Row)]
        aggs = [v for v in vals if isinstance(v, Agg)]
        if rows and aggs:
            ctx.fail(f"{fn}() mixes a per-row value ({rows[0].describe()}) with an aggregate "
                     f"({aggs[0].describe()}); aggregate the per-row value first, e.g. mean(...)")
        if rows:
            sqls = [v.sql if isinstance(v, Row) else sqlbuild.literal(v.value) for v in vals]  # type: ignore[union-attr]
            sql = sqlbuild.func(fn, *sqls)
            filters = tuple(f for r in rows for f in r.filters)
            return Row(sql, "numeric", filters, f"{fn}({', '.join(r.label for r in rows)})")
        if aggs:
            nodes = tuple(v.final if isinstance(v, Agg) else final.Const(v.value) for v in vals)  # type: ignore[union-attr]
            return Agg(final.Math(fn, nodes), f"{fn}(...)")
        result = _fold(fn, [v.value for v in vals])  # type: ignore[union-attr]
        if result is None or not math.isfinite(result):
            ctx.fail(f"{fn}() of these constants is undefined; change the constants")
        return Const(result, "number")

    handler.__name__ = fn
    handler.__doc__ = f"{fn}() at row level (SQL), aggregate level (Python) or on constants."
    return handler
