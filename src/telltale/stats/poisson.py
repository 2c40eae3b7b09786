"""The Poisson upper tail, for new_values' test of unseen values (math only, no scipy)."""

from __future__ import annotations

import math

_MAX_TERMS = 100_000


def _log_pmf(j: int, mu: float) -> float:
    return j * math.log(mu) - mu - math.lgamma(j + 1)


def poisson_at_least(k: int, mu: float) -> float:
    """P(X >= k) for X ~ Poisson(mu): the sum of the upper tail's terms when k > mu (they
    shrink geometrically), else 1 - the lower tail summed downwards from k - 1. Within 1e-9
    (relative on the upper branch, absolute on the lower) of scipy.stats.poisson.sf."""
    if k <= 0:
        return 1.0
    if mu <= 0:
        return 0.0
    if k > mu:
        term = math.exp(_log_pmf(k, mu))
        total, j = 0.0, k
        while term > 0 and term > total * 1e-17 and j < k + _MAX_TERMS:
            total += term
            j += 1
            term *= mu / j
        return min(1.0, total)
    term = math.exp(_log_pmf(k - 1, mu))
    lower, j = 0.0, k - 1
    while term > 0 and term > lower * 1e-17 and j >= 0:
        lower += term
        term *= j / mu
        j -= 1
    return max(0.0, 1.0 - lower)
