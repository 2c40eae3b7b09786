"""Variance from count, sum and sum of squares, with a bound on its rounding error.

`sum_sq − sum²/n` cancels when the mean is large against the spread: the digits lost are
about log10(mean² / variance). Summing n doubles in the warehouse adds a relative error
of about `sqrt(n) · eps` to each sum (plain left-to-right or parallel summation; `n · eps`
at worst), so the computed variance is off by up to

    3 · (sqrt(n) + 2) · eps · sum_sq / (sum_sq − sum²/n)

relative. The pushed-down sum of squares leaves out values under 2^-511 (about 1.5e-154)
in magnitude, whose squares underflow (`core.squares`): each square left out is below
2^-1022, which adds `n · 2^-1022` to the numerator's error. It leaves out values above
about 1.34e154 too, whose squares overflow: a min or max beyond that makes the variance
NaN (not computable from sums), never a number. `sample_variance` returns the bound with the value; a caller reports a
variance whose bound exceeds `MAX_RELATIVE_ERROR` as imprecise instead of as a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from telltale.core.squares import beyond_squares

EPS = 2.0 ** -52
TINY = 2.0 ** -1022      # the smallest normal double: the most a square left out adds
MAX_RELATIVE_ERROR = 1e-2

Cause = Literal["", "cancellation", "underflow"]


@dataclass(frozen=True)
class Variance:
    """A variance and the bound on its relative rounding error (`cause`: what loses the digits)."""

    value: float
    relative_error: float
    cause: Cause = ""

    @property
    def precise(self) -> bool:
        """Whether the bound is within MAX_RELATIVE_ERROR."""
        return self.relative_error <= MAX_RELATIVE_ERROR

    def why(self, what: str, mean: float) -> str:
        """Why this variance cannot be trusted, as a sentence about `what` (e.g. `stddev of x`)."""
        bound = ("unbounded" if math.isinf(self.relative_error)
                 else f"up to {self.relative_error:.2g} relative")
        if self.cause == "underflow":
            return (f"{what} cannot be computed precisely from sums: the values are so close to "
                    f"0 (mean {mean:.6g}) that their squares underflow double precision "
                    f"(rounding error {bound})")
        return (f"{what} cannot be computed precisely from sums: the values (mean {mean:.6g}) "
                f"are large against their spread, so sum of squares − n·mean² cancels "
                f"(rounding error {bound})")


def sample_variance(n: float, total: float, total_sq: float, vmin: float | None = None,
                    vmax: float | None = None, ddof: int = 1) -> Variance | None:
    """The variance of n values from their sum and sum of squares (None for n <= ddof).

    `ddof` 1 gives the sample variance, 0 the population variance. A non-finite sum or
    sum of squares (values beyond about 1.3e154 in magnitude) gives a non-finite value,
    never a clamped 0. When `sum_sq − sum²/n` is within the rounding noise, min == max
    tells a constant column (variance exactly 0); otherwise the spread is lost in
    rounding (or in the underflow of tiny squares) and the bound is infinite.
    """
    if n < 1 or n <= ddof:
        return None
    if vmin is not None and vmax is not None and vmin == vmax:
        return Variance(0.0, 0.0)
    if beyond_squares(vmin, vmax):
        return Variance(math.nan, math.inf)
    numerator = total_sq - total * total / n
    value = numerator / (n - ddof)
    if not math.isfinite(value):
        return Variance(value, math.inf)
    if total_sq == 0 and total == 0 and (vmin is None or vmax is None):
        return Variance(0.0, 0.0)   # all zeros, as far as the sums tell
    rounding = 3.0 * (math.sqrt(n) + 2.0) * EPS * abs(total_sq)
    underflow = 3.0 * n * TINY
    cause: Cause = "underflow" if underflow >= rounding else "cancellation"
    noise = rounding + underflow
    if numerator <= noise:
        return Variance(max(value, 0.0), math.inf, cause)
    return Variance(value, noise / numerator, cause)
