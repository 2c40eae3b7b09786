"""KS from histograms plus each side's min and max stays a lower bound of the exact statistic."""

from __future__ import annotations

import numpy as np
from scipy import stats

from telltale.core.grids import Grid
from telltale.stats.drift import NumericSummary, ks


def test_ks_with_extremes_is_a_lower_bound_and_exact_for_disjoint_sides() -> None:
    rng = np.random.default_rng(4)
    for _ in range(300):
        nb, nf = int(rng.integers(1, 40)), int(rng.integers(1, 40))
        base = rng.normal(0.0, 1.0, nb).round(int(rng.integers(0, 3)))
        focal = rng.normal(float(rng.normal(0.0, 2.0)), float(rng.uniform(0.2, 2.0)), nf).round(1)
        lo, hi = np.quantile(base, [0.001, 0.999])
        grid = Grid.from_quantiles(float(lo), float(hi), float(base.min()), float(base.max()),
                                   int(rng.choice([4, 16, 256])))
        got = ks(NumericSummary.from_values(grid, base), NumericSummary.from_values(grid, focal)).value
        exact = stats.ks_2samp(base, focal).statistic
        assert got is not None and got <= exact + 1e-12, (base, focal, got, exact)
        if focal.min() > base.max() or focal.max() < base.min():
            assert got == exact == 1.0
