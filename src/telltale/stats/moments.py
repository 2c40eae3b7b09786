"""Variance from count, sum and sum of squares, with a bound on its rounding error.

`sum_sq − sum²/n` cancels when the mean is large against the spread: the digits lost are
about log10(mean² / variance). Summing n doubles in the warehouse adds a relative error
of about `sqrt(n) · eps` to each sum (plain left-to-right or parallel summation; `n · eps`
at worst), so the computed variance is off by up to

    3 · (sqrt(n) + 2) · eps · sum_sq / (sum_sq − sum²/n)

relative. `sample_variance` returns that bound with the value; a caller reports a variance
whose bound exceeds `MAX_RELATIVE_ERROR` as imprecise instead of as a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EPS = 2.0 ** -52
MAX_RELATIVE_ERROR = 1e-2


@dataclass(frozen=True)
class Variance:
    """A sample variance (ddof 1) and the bound on its relative rounding error."""

    value: float
    relative_error: float

    @property
    def precise(self) -> bool:
        """Whether the bound is within MAX_RELATIVE_ERROR."""
        return self.relative_error <= MAX_RELATIVE_ERROR


def sample_variance(n: float, total: float, total_sq: float, vmin: float | None = None,
                    vmax: float | None = None) -> Variance | None:
    """The sample variance of n values from their sum and sum of squares (None for n < 2).

    A non-finite sum or sum of squares (values beyond about 1.3e154 in magnitude) gives a
    non-finite value, never a clamped 0. When `sum_sq − sum²/n` is within the rounding
    noise, min == max tells a constant column (variance exactly 0); otherwise the spread
    is lost in rounding and the bound is infinite.
    """
    if n < 2:
        return None
    if vmin is not None and vmax is not None and vmin == vmax:
        return Variance(0.0, 0.0)
    numerator = total_sq - total * total / n
    value = numerator / (n - 1)
    if not math.isfinite(value):
        return Variance(value, math.inf)
    noise = 3.0 * (math.sqrt(n) + 2.0) * EPS * abs(total_sq)
    if numerator <= noise:
        return Variance(max(value, 0.0), 0.0 if total_sq == 0 else math.inf)
    return Variance(value, noise / numerator)
