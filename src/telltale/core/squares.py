"""The values whose square a warehouse can take: the range a pushed-down sum of squares reads.

A DOUBLE square overflows above `SQUARE_MAX` (about 1.34e154) and underflows below
`SQUARE_MIN` (2^-511, about 1.49e-154: the square is below the smallest normal double).
DuckDB and Snowflake return inf or 0 there; PostgreSQL and Redshift raise `value out of
range: overflow` / `underflow` (and BigQuery a floating point error), which fails the
whole fused scan of the model. So a sum of squares adds only the values inside the range
(`square_safe_condition`): a smaller value's square is below 2^-1022, which the variance's
error bound counts (`stats.moments`), and a larger one means the sum of squares would not
be finite, which the min and max tell (`beyond_squares`).
"""

from __future__ import annotations

from sqlglot import exp

SQUARE_MIN = 2.0 ** -511                 # 1.4916681462400413e-154; its square is 2^-1022
SQUARE_MAX = 1.3407807929942596e154      # sqrt of the largest double; its square is finite


def square_safe_condition(e: exp.Expression) -> exp.Expression:
    """`ABS(CAST(e AS DOUBLE)) BETWEEN SQUARE_MIN AND SQUARE_MAX`: false for NaN, ±inf and
    values whose square over- or underflows (NULL for NULL), in every dialect (see
    `planner.aggsql.finite_condition` for NaN)."""
    x = exp.Abs(this=exp.cast(e.copy(), exp.DataType.Type.DOUBLE))
    return exp.Between(this=x, low=exp.Literal.number(repr(SQUARE_MIN)),
                       high=exp.Literal.number(repr(SQUARE_MAX)))


def beyond_squares(vmin: float | None, vmax: float | None) -> bool:
    """Whether the min or max shows a value whose square overflows (the sum of squares left
    it out, so it is not the sum of every square)."""
    return any(v is not None and abs(v) > SQUARE_MAX for v in (vmin, vmax))
