"""stats.poisson.poisson_at_least is scipy's Poisson survival function P(X >= k)."""

from __future__ import annotations

import pytest
from scipy import stats as sps

from telltale.stats.poisson import poisson_at_least


@pytest.mark.parametrize("mu", [1e-6, 0.18, 1.0, 3.4, 11.0, 99.5, 1_000.0, 40_000.0])
def test_equals_scipy(mu: float) -> None:
    for k in sorted({0, 1, 2, 3, 5, 10, 25, int(mu), int(mu) + 1, int(mu * 2) + 3, int(mu + 40 * mu ** 0.5) + 5}):
        want = float(sps.poisson.sf(k - 1, mu))
        got = poisson_at_least(k, mu)
        # relative 1e-9 where the tail is the small side (k > mu), absolute 1e-9 otherwise:
        # lgamma of a large k carries ~1e-16 relative error, i.e. ~k * 1e-16 in the log
        if k > mu and want > 1e-300:
            assert got == pytest.approx(want, rel=1e-9), (k, mu, got, want)
        else:
            assert got == pytest.approx(want, abs=1e-9), (k, mu, got, want)


def test_edges() -> None:
    assert poisson_at_least(0, 5.0) == 1.0
    assert poisson_at_least(-3, 5.0) == 1.0
    assert poisson_at_least(1, 0.0) == 0.0
