"""Partial -> sqlglot aggregate: the SQL each scalar partial pushes down."""

from __future__ import annotations

from sqlglot import exp

from telltale.planner.partials import Partial


def _when(filter: exp.Expression | None, value: exp.Expression) -> exp.Expression:
    """`value` for rows matching `filter`, NULL for the rest."""
    if filter is None:
        return value
    return exp.Case(ifs=[exp.If(this=filter.copy(), true=value)])


def scalar_aggregate(p: Partial) -> exp.Expression:
    """The aggregate expression of a count/sum/min/max partial (a sqlglot tree)."""
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
        return exp.Sum(this=value)
    if p.kind == "min":
        return exp.Min(this=value)
    if p.kind == "max":
        return exp.Max(this=value)
    raise ValueError(f"partial kind {p.kind} is not a scalar aggregate")


def filtered_key(p: Partial, key: exp.Expression) -> exp.Expression:
    """A distribution partial's grouping key, NULL outside its filter."""
    return _when(p.filter, key)
