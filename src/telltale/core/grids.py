"""Histogram grids: fixed bin edges per numeric expression, taken from the baseline.

A grid is `bins` equal-width cells between `lo` and `hi`, where `lo`/`hi` are low and
high quantiles of the baseline (from a sample), plus two open tail cells: bin -1 holds
values below `lo`, bin `bins` values at or above `hi`. The bin of a value is one
multiply-add and a FLOOR in SQL, the cheapest shape a warehouse can evaluate; equal-width
cells fine enough keep KS and quantiles from the histogram within the stated error (the
exactness tests state the bound). A grid never changes once stored, so per-bucket
histograms from different runs merge exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sqlglot import exp

DEFAULT_BINS = 256
CONSTANT_CELL = 1e-12
"""A constant column's cell width, relative to its value (see `Grid.__post_init__`)."""


@dataclass(frozen=True)
class Grid:
    """Equal-width bins on [lo, hi) plus two tail bins (-1 and `bins`)."""

    lo: float
    hi: float
    bins: int = DEFAULT_BINS

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lo) and math.isfinite(self.hi)):
            raise ValueError("grid bounds must be finite")
        if _degenerate(self.lo, self.hi, self.bins):
            # a constant column (or bounds closer than a bin can resolve, as approximate
            # quantiles of all-zero data give: 0 .. 2.2e-308): narrow cells from the value,
            # so the value is alone in cell 0 and any value that differs from it by more
            # than 1e-12 relative (1e-300 absolute) lands in another cell. (One cell as
            # wide as the value put 1000 and 1001, or 0 and 0.001, in the same cell: a
            # constant that moved read as KS 0 and PSI 0.)
            narrow = max(abs(self.lo) * CONSTANT_CELL, 1e-300) * self.bins
            if math.isfinite(self.lo + narrow):
                object.__setattr__(self, "hi", self.lo + narrow)
            else:   # a constant near the largest double: the cells end at it
                object.__setattr__(self, "lo", self.lo - narrow)

    @property
    def width(self) -> float:
        """Width of one inner cell."""
        return (self.hi - self.lo) / self.bins

    def inner_edges(self) -> np.ndarray:
        """The `bins + 1` edges lo .. hi."""
        return np.linspace(self.lo, self.hi, self.bins + 1)

    def edges(self, vmin: float | None, vmax: float | None) -> np.ndarray:
        """All `bins + 3` edges, closing the tail cells at the observed min and max."""
        inner = self.inner_edges()
        low = min(vmin, self.lo) if vmin is not None else self.lo
        high = max(vmax, self.hi) if vmax is not None else self.hi
        return np.concatenate([[low], inner, [high]])

    def dense(self, counts: dict[int, int] | dict[str, int]) -> np.ndarray:
        """Counts per bin as a dense array of length `bins + 2` (index 0 is bin -1)."""
        out = np.zeros(self.bins + 2, dtype=np.float64)
        for k, v in counts.items():
            i = int(float(k))
            i = -1 if i < -1 else self.bins if i > self.bins else i
            out[i + 1] += v
        return out

    def bin_of(self, values: np.ndarray) -> np.ndarray:
        """Python twin of `bin_expr` (used by tests and by exact checks)."""
        with np.errstate(over="ignore"):   # an outlier's ±inf falls in its tail bin below
            b = np.floor((np.asarray(values, dtype=np.float64) - self.lo) * (self.bins / (self.hi - self.lo)))
        return np.clip(b, -1, self.bins).astype(np.int64)

    def raw_bin_expr(self, value: exp.Expression, *, guard: bool = True) -> exp.Expression:
        """FLOOR((CAST(x AS DOUBLE) - lo) * scale): the bin before tail clamping.

        The value is cast to DOUBLE so integer columns cannot overflow (DuckDB reads the
        scale literal as a DECIMAL); the pushed-down scan groups on this, and the clamp is
        applied after aggregation on the small result. Values more than the grid's span
        beyond it take their tail bin (-1 or `bins`) without the multiply: `(x - lo) *
        scale` of an outlier such as 1.8e308 overflows, which PostgreSQL, Redshift and
        BigQuery raise as an error that fails the model's whole scan. With `guard=False`
        (an engine whose overflow gives ±infinity, which the clamp puts in the tails) the
        bare FLOOR, a per-row CASE less.
        """
        scale = self.bins / (self.hi - self.lo)
        x = exp.cast(value.copy(), exp.DataType.Type.DOUBLE)
        floor = exp.Floor(this=exp.Mul(this=exp.paren(exp.Sub(this=x, expression=_num(self.lo))),
                                       expression=_num(scale)))
        if not guard:
            return floor
        span = self.hi - self.lo
        below, above = _finite_or(self.lo - span, -_MAX), _finite_or(self.hi + span, _MAX)
        return exp.Case(ifs=[exp.If(this=exp.LT(this=x.copy(), expression=_num(below)),
                                    true=exp.Literal.number(-1)),
                             exp.If(this=exp.GT(this=x.copy(), expression=_num(above)),
                                    true=exp.Literal.number(self.bins))],
                        default=floor)

    def clamp_expr(self, key: exp.Expression) -> exp.Expression:
        """Clamp a raw bin into [-1, bins] with CASE (GREATEST/LEAST skip NULLs in some dialects)."""
        return exp.Case(ifs=[exp.If(this=exp.LT(this=key.copy(), expression=exp.Literal.number(-1)),
                                    true=exp.Literal.number(-1)),
                             exp.If(this=exp.GT(this=key.copy(), expression=exp.Literal.number(self.bins)),
                                    true=exp.Literal.number(self.bins))],
                        default=key.copy())

    def bin_expr(self, value: exp.Expression) -> exp.Expression:
        """The sqlglot expression of a value's bin (clamped), the SQL twin of `bin_of`."""
        return self.clamp_expr(self.raw_bin_expr(value))

    def to_json(self) -> dict[str, float | int]:
        """A JSON-able form for the state store."""
        return {"lo": self.lo, "hi": self.hi, "bins": self.bins}

    @classmethod
    def from_json(cls, data: dict) -> "Grid":
        """Inverse of `to_json`."""
        return cls(float(data["lo"]), float(data["hi"]), int(data["bins"]))

    @classmethod
    def from_quantiles(cls, q_lo: float | None, q_hi: float | None, vmin: float | None,
                       vmax: float | None, bins: int = DEFAULT_BINS) -> "Grid":
        """A grid spanning the baseline's low/high quantiles (falling back to min/max)."""
        lo = q_lo if q_lo is not None else vmin
        hi = q_hi if q_hi is not None else vmax
        if lo is None or hi is None:
            return cls(0.0, 1.0, bins)
        if _degenerate(lo, hi, bins) and vmin is not None and vmax is not None \
                and not _degenerate(vmin, vmax, bins):
            lo, hi = vmin, vmax
        return cls(float(lo), float(hi), bins)


def _degenerate(lo: float, hi: float, bins: int) -> bool:
    """True when [lo, hi) cannot hold `bins` distinct cells in floating point."""
    if not hi > lo:
        return True
    width = (hi - lo) / bins
    return not math.isfinite(bins / (hi - lo)) or lo + width == lo or hi - width == hi


_MAX = 1.7976931348623157e308   # the largest finite double


def _finite_or(value: float, default: float) -> float:
    """`value` when finite, else `default`."""
    return value if math.isfinite(value) else default


def _num(value: float) -> exp.Expression:
    """A numeric literal that renders exactly (repr keeps every digit)."""
    if value < 0:
        return exp.Neg(this=exp.Literal.number(repr(-value)))
    return exp.Literal.number(repr(float(value)))
