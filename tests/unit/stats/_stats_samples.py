"""Raw samples for the exactness tests: (baseline, focal) pairs of many shapes.

Deterministic (fixed seed per case) and cached, so every test module reuses the arrays.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from functools import cache

import numpy as np
from scipy import stats as sps

from telltale.core.grids import DEFAULT_BINS, Grid
from telltale.stats import NumericSummary

Gen = Callable[[np.random.Generator], np.ndarray]


def _bimodal(r: np.random.Generator, n: int, w: float) -> np.ndarray:
    k = r.random(n) < w
    return np.where(k, r.normal(-2.0, 0.5, n), r.normal(2.0, 1.0, n))


# name -> (baseline generator, focal generator); focal windows are mostly much smaller
CASES: dict[str, tuple[Gen, Gen]] = {
    "normal_same": (lambda r: r.normal(0, 1, 100_000), lambda r: r.normal(0, 1, 5_000)),
    "normal_shift": (lambda r: r.normal(0, 1, 200_000), lambda r: r.normal(0.3, 1, 2_000)),
    "normal_mild": (lambda r: r.normal(0, 1, 100_000), lambda r: r.normal(0.04, 1, 3_000)),
    "normal_big_focal": (lambda r: r.normal(0, 1, 100_000), lambda r: r.normal(0.05, 1, 20_000)),
    "normal_far": (lambda r: r.normal(0, 1, 50_000), lambda r: r.normal(2.5, 1, 2_000)),
    "scaled": (lambda r: r.normal(10, 2, 100_000), lambda r: r.normal(10, 3, 10_000)),
    "lognormal": (lambda r: r.lognormal(0, 1, 100_000), lambda r: r.lognormal(0.2, 1.1, 5_000)),
    "exponential": (lambda r: r.exponential(1.0, 100_000), lambda r: r.exponential(1.3, 1_000)),
    "poisson": (lambda r: r.poisson(4.0, 100_000).astype(float),
                lambda r: r.poisson(4.5, 5_000).astype(float)),
    "binomial_ties": (lambda r: r.binomial(1000, 0.5, 100_000).astype(float),
                      lambda r: r.binomial(1000, 0.505, 5_000).astype(float)),
    "wide_integers": (lambda r: r.integers(0, 2_000, 100_000).astype(float),
                      lambda r: r.integers(100, 2_100, 4_000).astype(float)),
    "bimodal": (lambda r: _bimodal(r, 100_000, 0.5), lambda r: _bimodal(r, 3_000, 0.35)),
    "small_samples": (lambda r: r.normal(0, 1, 1_000), lambda r: r.normal(0.2, 1.2, 1_000)),
    "constant_same": (lambda r: np.full(10_000, 3.0), lambda r: np.full(1_000, 3.0)),
    "constant_vs_two": (lambda r: np.full(10_000, 3.0),
                        lambda r: np.where(r.random(1_000) < 0.3, 4.0, 3.0)),
}


@cache
def samples(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The (baseline, focal) raw arrays of a case (seeded by its name)."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    make_base, make_focal = CASES[name]
    return make_base(rng), make_focal(rng)


def product_grid(base: np.ndarray, bins: int = DEFAULT_BINS) -> Grid:
    """The grid the product builds: baseline 0.001/0.999 quantiles and min/max."""
    q_lo, q_hi = np.quantile(base, [0.001, 0.999])
    return Grid.from_quantiles(float(q_lo), float(q_hi), float(base.min()), float(base.max()), bins)


@cache
def summaries(name: str, bins: int = DEFAULT_BINS) -> tuple[NumericSummary, NumericSummary]:
    """(baseline, focal) summaries of a case, binned on the baseline's grid."""
    base, focal = samples(name)
    grid = product_grid(base, bins)
    return NumericSummary.from_values(grid, base), NumericSummary.from_values(grid, focal)


@cache
def exact_ks(name: str, method: str = "auto") -> tuple[float, float]:
    """scipy's two-sample KS (statistic, p-value) on the raw rows of a case."""
    base, focal = samples(name)
    if method == "asymp" and max(base.size, focal.size) > 10_000:
        return exact_ks(name, "auto")          # scipy's 'auto' is 'asymp' there
    r = sps.ks_2samp(base, focal, method=method)
    return float(r.statistic), float(r.pvalue)


@cache
def exact_w1(name: str) -> float:
    """scipy's Wasserstein-1 distance on the raw rows of a case."""
    return float(sps.wasserstein_distance(*samples(name)))


@cache
def ref_deciles(name: str, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Raw counts in the exact baseline deciles (np.quantile), right-closed bins."""
    base, focal = samples(name)
    edges = np.unique(np.quantile(base, np.arange(1, n) / n))
    nb = edges.size + 1
    return (np.bincount(np.searchsorted(edges, base, side="left"), minlength=nb),
            np.bincount(np.searchsorted(edges, focal, side="left"), minlength=nb))
