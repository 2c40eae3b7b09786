"""Partial -> sqlglot aggregate: the SQL each scalar partial pushes down."""

from __future__ import annotations

from sqlglot import exp

from telltale.core.partials import Partial

MAX_DOUBLE = 1.7976931348623157e308   # the largest finite double


def as_double(e: exp.Expression) -> exp.Expression:
    """CAST(e AS DOUBLE), rendered per dialect (DOUBLE PRECISION, FLOAT64, FLOAT...)."""
    return exp.cast(e.copy(), exp.DataType.Type.DOUBLE)


def finite_condition(e: exp.Expression) -> exp.Expression:
    """ABS(CAST(e AS DOUBLE)) <= 1.7976931348623157e308: true for finite values only.

    False for NaN and ±infinity in every dialect: where NaN compares false to everything
    (BigQuery, Trino, Databricks) and where NaN sorts above every number, infinity
    included (PostgreSQL, DuckDB, Snowflake, Redshift). NULL stays NULL.
    """
    return exp.LTE(this=exp.Abs(this=as_double(e)), expression=exp.Literal.number(repr(MAX_DOUBLE)))


def _when(filter: exp.Expression | None, value: exp.Expression) -> exp.Expression:
    """`value` for rows matching `filter`, NULL for the rest."""
    if filter is None:
        return value
    return exp.Case(ifs=[exp.If(this=filter.copy(), true=value)])


def scalar_aggregate(p: Partial) -> exp.Expression:
    """The aggregate expression of a count/sum/min/max partial (a sqlglot tree).

    SUM adds DOUBLEs: `SUM(CAST(x AS DOUBLE))` (no cast when x is already DOUBLE). Integer
    sums overflow in several warehouses (BIGINT in Trino, BigQuery and Redshift, INTEGER
    products in DuckDB and PostgreSQL) and the value is a Python float anyway; DECIMAL
    then adds the same way everywhere.
    """
    if p.kind == "count":
        if p.expr is None:
            if p.filter is None:
                return exp.Count(this=exp.Star())
            return exp.Count(this=_when(p.filter, exp.Literal.number(1)))
        return exp.Count(this=_when(p.filter, p.expr.copy()))
    if p.expr is None:
        raise ValueError(f"partial {p.key} needs an expression")
    value = _when(p.filter, p.expr.copy())
    if p.kind == "sum":
        return exp.Sum(this=_double(value))
    if p.kind == "min":
        return exp.Min(this=value)
    if p.kind == "max":
        return exp.Max(this=value)
    raise ValueError(f"partial kind {p.kind} is not a scalar aggregate")


def _is_double(e: exp.Expression) -> bool:
    """Whether e is DOUBLE in every dialect: a cast to DOUBLE, arithmetic on one, or a CASE
    whose branches all are."""
    if isinstance(e, exp.Cast):
        return e.to.this == exp.DataType.Type.DOUBLE
    if isinstance(e, exp.Paren):
        return _is_double(e.this)
    if isinstance(e, (exp.Add, exp.Sub, exp.Mul)):
        return _is_double(e.this) or _is_double(e.expression)
    if isinstance(e, exp.Case):
        branches = [i.args["true"] for i in e.args.get("ifs") or []]
        if e.args.get("default") is not None:
            branches.append(e.args["default"])
        return bool(branches) and all(_is_double(b) for b in branches)
    return False


def _double(e: exp.Expression) -> exp.Expression:
    """CAST(e AS DOUBLE) unless e is already DOUBLE."""
    return e if _is_double(e) else exp.cast(e, exp.DataType.Type.DOUBLE)


def filtered_key(p: Partial, key: exp.Expression) -> exp.Expression:
    """A distribution partial's grouping key, NULL outside its filter."""
    return _when(p.filter, key)
