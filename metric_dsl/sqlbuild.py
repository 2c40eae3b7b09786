"""Small sqlglot builders for row expressions: literals, safe arithmetic, conditions.

SQL is only ever built as sqlglot trees here; operands are parenthesised explicitly
because sqlglot prints trees as built.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlglot import exp

from telltale.core.partials import expr_key

_ATOMIC = (exp.Column, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Func, exp.Cast,
           exp.Case)


def literal(value: Any) -> exp.Expression:
    """A SQL literal for a Python constant (numbers keep every digit)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(str(value)) if value >= 0 else exp.Neg(
            this=exp.Literal.number(str(-value)))
    if isinstance(value, float):
        return exp.Literal.number(repr(value)) if value >= 0 else exp.Neg(
            this=exp.Literal.number(repr(-value)))
    return exp.Literal.string(str(value))


def paren(e: exp.Expression) -> exp.Expression:
    """`e` wrapped in parentheses unless it is atomic."""
    if isinstance(e, _ATOMIC):
        return e
    return exp.Paren(this=e)


def as_double(e: exp.Expression) -> exp.Expression:
    """A bare column cast to DOUBLE, so arithmetic on INTEGER/BIGINT/DECIMAL columns cannot
    overflow (DuckDB `Overflow in multiplication of INT32`, PostgreSQL `integer out of
    range`) and divides as numbers. Other operands are already DOUBLE or literals."""
    if isinstance(e, exp.Column):
        return exp.cast(e, exp.DataType.Type.DOUBLE)
    return e


def arith(op: str, left: exp.Expression, right: exp.Expression) -> exp.Expression:
    """left op right for + - * / ** ; division is NULL for a zero divisor in every dialect.

    Bare columns are cast to DOUBLE (see `as_double`)."""
    left, right = left.copy(), right.copy()
    if op == "+":
        return exp.Add(this=paren(as_double(left)), expression=paren(as_double(right)))
    if op == "-":
        return exp.Sub(this=paren(as_double(left)), expression=paren(as_double(right)))
    if op == "*":
        return exp.Mul(this=paren(as_double(left)), expression=paren(as_double(right)))
    if op == "/":
        return exp.Div(this=paren(left), expression=paren(right), typed=False, safe=True)
    if op == "**":
        return exp.Pow(this=as_double(left), expression=right)
    raise ValueError(f"unknown operator {op}")


def negate(e: exp.Expression) -> exp.Expression:
    """-e."""
    return exp.Neg(this=paren(e.copy()))


COMPARISONS: dict[str, type[exp.Expression]] = {
    "==": exp.EQ, "!=": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE,
}


def compare(op: str, left: exp.Expression, right: exp.Expression) -> exp.Expression:
    """left op right for == != < <= > >=."""
    return COMPARISONS[op](this=paren(left.copy()), expression=paren(right.copy()))


def as_text(e: exp.Expression) -> exp.Expression:
    """e cast to text: a categorical field compared with a number compares its text, so
    that `features.cat == 1` runs on a VARCHAR column (no implicit cast of 'a' to a number
    fails) as well as on an INTEGER one."""
    return exp.cast(e.copy(), exp.DataType.Type.VARCHAR)


def number_text(value: float | int) -> str:
    """How a number constant reads as a category: `1` and `1.0` are '1', `2.5` is '2.5'."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 63:
        return str(int(value))
    return str(value) if isinstance(value, int) else repr(value)


def is_null(e: exp.Expression, negated: bool = False) -> exp.Expression:
    """e IS NULL / NOT e IS NULL."""
    test = exp.Is(this=paren(e.copy()), expression=exp.Null())
    return exp.Not(this=test) if negated else test


def in_list(e: exp.Expression, items: list[Any], negated: bool = False) -> exp.Expression:
    """e IN (items) / NOT e IN (items)."""
    test = exp.In(this=paren(e.copy()), expressions=[literal(v) for v in items])
    return exp.Not(this=exp.Paren(this=test)) if negated else test


def not_(e: exp.Expression) -> exp.Expression:
    """NOT (e)."""
    return exp.Not(this=paren(e.copy()))


def and_(left: exp.Expression, right: exp.Expression) -> exp.Expression:
    """(left) AND (right)."""
    return exp.And(this=_cond_paren(left.copy()), expression=_cond_paren(right.copy()))


def or_(left: exp.Expression, right: exp.Expression) -> exp.Expression:
    """(left) OR (right)."""
    return exp.Or(this=_cond_paren(left.copy()), expression=_cond_paren(right.copy()))


def _cond_paren(e: exp.Expression) -> exp.Expression:
    return exp.Paren(this=e) if isinstance(e, exp.Or) else e


# more conditions than this are ANDed as a balanced tree (SQL generation recurses on depth)
BALANCE_AT = 16


def and_all(conditions: Iterable[exp.Expression]) -> exp.Expression | None:
    """All conditions ANDed (duplicates dropped, order kept), or None for none.

    A few conditions are ANDed left to right; many (a long chain of filtered terms) as a
    balanced tree, so the SQL stays shallow.
    """
    seen: set[str] = set()
    unique: list[exp.Expression] = []
    for c in conditions:
        key = expr_key(c)
        if key in seen:
            continue
        seen.add(key)
        unique.append(c)
    if not unique:
        return None
    if len(unique) > BALANCE_AT:
        return _balanced_and(unique)
    out = unique[0].copy()
    for c in unique[1:]:
        out = and_(out, c)
    return out


def _balanced_and(conditions: list[exp.Expression]) -> exp.Expression:
    if len(conditions) == 1:
        return conditions[0].copy()
    mid = len(conditions) // 2
    return and_(_balanced_and(conditions[:mid]), _balanced_and(conditions[mid:]))


def case_when(condition: exp.Expression, then: exp.Expression,
              otherwise: exp.Expression) -> exp.Expression:
    """CASE WHEN c THEN then WHEN NOT c THEN otherwise END: NULL where c is NULL.

    A plain ELSE would send rows with a NULL condition to the else branch; here a
    null condition gives null, like every other operator of the language.
    """
    ifs = [exp.If(this=condition.copy(), true=then.copy()),
           exp.If(this=not_(condition), true=otherwise.copy())]
    return exp.Case(ifs=ifs)


def func(name: str, *args: exp.Expression) -> exp.Expression:
    """Row-level math: abs sqrt ln exp greatest least clip coalesce."""
    a = [x.copy() for x in args]
    if name == "abs":
        return exp.Abs(this=a[0])
    if name == "sqrt":
        return exp.Sqrt(this=a[0])
    if name == "ln":
        return exp.Ln(this=a[0])
    if name == "exp":
        return exp.Exp(this=a[0])
    if name in ("greatest", "least"):
        return _pick(name == "greatest", a[0], a[1])
    if name == "coalesce":
        return exp.Coalesce(this=a[0], expressions=a[1:])
    if name == "clip":
        return clip(*a)
    raise ValueError(f"unknown function {name}")


def _pick(greatest: bool, a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """CASE WHEN a >= b THEN a WHEN a < b THEN b END: NULL when either is NULL.

    Written as CASE because GREATEST/LEAST ignore NULLs in Postgres, Redshift and DuckDB
    but return NULL in Snowflake, BigQuery and Trino; this form means the same everywhere.
    """
    first, second = (">=", "<") if greatest else ("<=", ">")
    return exp.Case(ifs=[exp.If(this=compare(first, a, b), true=a.copy()),
                         exp.If(this=compare(second, a, b), true=b.copy())])


def clip(x: exp.Expression, lo: exp.Expression, hi: exp.Expression) -> exp.Expression:
    """CASE WHEN x < lo THEN lo WHEN x > hi THEN hi ELSE x END (NULL stays NULL)."""
    return exp.Case(ifs=[exp.If(this=compare("<", x, lo), true=lo.copy()),
                         exp.If(this=compare(">", x, hi), true=hi.copy())], default=x.copy())
