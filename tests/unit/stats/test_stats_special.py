"""stats.special, stats.student and stats.smirnov against scipy (and mpmath at 30-40 digits as the exact value).

Bounds, stated per function (relative error where the value is above 1e-300, absolute below):
- `rel_entr`, and `smirnov` on the branches ported from xsf (n = 1, d <= 1/n, d >= 1 - 1/n,
  underflow, n > 10^6): equal bit for bit.
- `smirnov` elsewhere (numpy sum of Loader-form terms, not xsf's double-double loop):
  1e-12 against scipy (absolute 1e-310 where scipy's value is below 1e-300: both are
  denormals there, and scipy's are not exact either).
- `chi2_sf`: 1e-12 against mpmath; against scipy 1e-11, because scipy's own error reaches
  5e-12 at df = 10^4 (ours stays below 1e-13 there).
- `norm_sf`: 1e-12 (math.erfc vs cephes; relative 1e-12 down to 1e-300).
- `t_sf`: 1e-12 against mpmath for df <= 1000; `t_isf`: 1e-12 against scipy and mpmath over
  the (tail, df) pairs `monitors.detection.band_width` asks for and a wider grid.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest
from scipy import special as ss
from scipy import stats as sps

from telltale.stats.smirnov import smirnov
from telltale.stats.special import chi2_sf, rel_entr
from telltale.stats.student import norm_sf, t_isf, t_sf

mp.mp.dps = 40


def _close(got: float, want: float, rel: float, absolute: float = 1e-310) -> bool:
    if got == want or (math.isnan(got) and math.isnan(want)):
        return True
    if abs(want) > 1e-300:
        return abs(got - want) <= rel * abs(want)
    return abs(got - want) <= absolute


def _exact_sf(n: int, d: float) -> bool:
    """Branches of smirnov ported from xsf bit for bit."""
    nd = n * Fraction(d)                         # exactly, as xsf's double-double modNX
    return n == 1 or d in (0.0, 1.0) or nd <= 1 or math.floor(nd) >= n - 1 or -2 * n * d * d < -745.13 or n > 1_000_000


SMIRNOV_NS = [1, 2, 3, 5, 7, 10, 20, 64, 140, 141, 500, 3000, 32_000, 99_999, 322_000,
              1_000_000, 1_000_001, 3_000_000]


def _smirnov_ds(n: int) -> list[float]:
    ds = [0.0, 1e-9, 0.5 / n, 1.0 / n, 1.5 / n, 0.3, 0.5, 0.7, 0.99, 1.0, 1 - 1 / n, 1 - 0.5 / n]
    ds += [math.sqrt(c / n) * f for c in (0.5, 1, 2.2, 4, 10, 18, 100, 300, 354, 370, 373, 400)
           for f in (0.999, 1.0, 1.001)]
    out = [d for d in ds if 0.0 <= d <= 1.0]
    if 50_000 < n <= 1_000_000:      # scipy takes ~0.5-2 s a call here: a few points of each branch
        out = [d for d in out if _exact_sf(n, d)] + [math.sqrt(2.2 / n), math.sqrt(100 / n), 0.5]
    return out


@pytest.mark.parametrize("n", SMIRNOV_NS)
def test_smirnov_matches_scipy(n: int) -> None:
    for d in _smirnov_ds(n):
        want, got = float(ss.smirnov(n, d)), smirnov(n, d)
        if _exact_sf(n, d):
            assert got == want, f"smirnov({n}, {d!r}): {got!r} vs scipy {want!r} (a ported branch: bit for bit)"
        else:
            assert _close(got, want, 1e-12), f"smirnov({n}, {d!r}): {got!r} vs scipy {want!r}"


def test_smirnov_random_points_and_exact_value() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(2, 20_000))
        d = float(rng.uniform(0, min(1.0, 25.0 / math.sqrt(n))))
        got, want = smirnov(n, d), float(ss.smirnov(n, d))
        assert _close(got, want, 1e-12), (n, d, got, want)
    # the finite sum evaluated exactly (40 digits) at a point of the summed branch
    n, d = 50, 0.3
    exact = d * mp.fsum(mp.binomial(n, v) * (mp.mpf(d) + mp.mpf(v) / n) ** (v - 1) * (1 - mp.mpf(d) - mp.mpf(v) / n) ** (n - v)
                        for v in range(0, int(math.floor(n * (1 - d))) + 1))
    assert abs(smirnov(n, d) - float(exact)) <= 1e-13 * float(exact)


def test_smirnov_edges() -> None:
    assert math.isnan(smirnov(5, math.nan)) and math.isnan(smirnov(5, 1.5)) and math.isnan(smirnov(0, 0.5))
    assert smirnov(5, 0.0) == 1.0 and smirnov(5, 1.0) == 0.0 and smirnov(1, 0.25) == 0.75
    # far below the support of double: 0 (scipy: 0 or a denormal)
    assert smirnov(200_000, 0.1) == 0.0


CHI2_DFS = [1, 2, 3, 4, 5, 7, 9, 10, 19, 20, 39, 40, 41, 59, 60, 99, 100, 199, 200, 299, 400, 401, 500,
            1000, 1999, 3000, 10_000]


@pytest.mark.parametrize("df", CHI2_DFS)
def test_chi2_sf_matches_scipy_and_mpmath(df: int) -> None:
    xs = [0.0, 1e-10, 1e-3, 0.1, 0.5, 1.0, 1.1, 2.0, 5.0, 10.0, 30.0, 100.0, 700.0, 1400.0]
    xs += [df * f for f in (0.01, 0.1, 0.5, 0.69, 0.7, 0.71, 0.9, 0.99, 1.0, 1.01, 1.1, 1.29, 1.3, 1.31, 2, 3, 5)]
    xs += [df + k * math.sqrt(2 * df) for k in (-6, -3, -1, -0.1, 0.1, 1, 3, 6, 10, 20, 37)]
    for x in (x for x in xs if x >= 0):
        got, want = chi2_sf(float(df), float(x)), float(ss.chdtrc(df, x))
        assert _close(got, want, 1e-11), f"chi2_sf({df}, {x!r}): {got!r} vs scipy {want!r}"
        exact = float(mp.gammainc(mp.mpf(df) / 2, mp.mpf(x) / 2, mp.inf, regularized=True))
        assert _close(got, exact, 1e-12), f"chi2_sf({df}, {x!r}): {got!r} vs exact {exact!r}"


def test_chi2_sf_random_and_edges() -> None:
    rng = np.random.default_rng(5)
    for _ in range(1000):
        df = float(rng.integers(1, 600))
        x = float(rng.gamma(df / 2, 2) * rng.uniform(0.3, 3))
        assert _close(chi2_sf(df, x), float(ss.chdtrc(df, x)), 1e-11), (df, x)
    assert chi2_sf(3.0, 0.0) == 1.0 and chi2_sf(3.0, math.inf) == 0.0 and chi2_sf(3.0, -1.0) == 1.0
    assert math.isnan(chi2_sf(3.0, math.nan)) and math.isnan(chi2_sf(0.0, 1.0))


def test_norm_sf() -> None:
    for s in (0.0, 0.5, 1, 2, 2.5, 3, 3.5, 4, 5, 6, 8, 10, 20, 37, -1, -3, -8):
        assert _close(norm_sf(s), float(sps.norm.sf(s)), 1e-12), s


def _t_sf_exact(t: float, df: float) -> mp.mpf:
    tt, dd = mp.mpf(t), mp.mpf(df)
    tail = mp.betainc(dd / 2, mp.mpf(1) / 2, 0, dd / (dd + tt * tt), regularized=True) / 2
    return tail if t >= 0 else 1 - tail


@pytest.mark.parametrize("df", [0.1, 0.37, 0.74, 1.0, 1.11, 2.5, 10.0, 30.3, 100.0, 248.0, 671.0, 1000.0])
def test_t_sf_matches_exact(df: float) -> None:
    for t in (-50.0, -3.0, -1.0, 0.0, 0.1, 1.0, 2.0, 3.0, 4.5, 10.0, 100.0, 1e5, 1e200):
        got, exact = t_sf(t, df), float(_t_sf_exact(t, df))
        assert _close(got, exact, 1e-12), f"t_sf({t}, {df}): {got!r} vs exact {exact!r}"
        assert _close(got, float(sps.t.sf(t, df)), 1e-12) or abs(t) >= 1e100, (t, df)


def test_t_isf_matches_scipy_over_band_width_inputs() -> None:
    """Every (tail, df) band_width uses for sensitivities 0.5-8 and 2-1000 past points."""
    for s in (0.5, 1.0, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 8.0):
        tail = norm_sf(s)
        for pts in [*range(2, 40), 50, 56, 100, 200, 672, 1000]:
            for df in (pts - 1.0, 0.37 * (pts - 1)):
                got, want = t_isf(tail, df), float(sps.t.isf(tail, df))
                assert _close(got, want, 1e-12), f"t_isf({tail!r}, {df!r}): {got!r} vs scipy {want!r}"


def test_t_isf_inverts_exactly() -> None:
    for df in (0.37, 0.74, 1.0, 2.5, 10.0, 100.0, 1000.0):
        for p in (1e-100, 1e-20, 1e-9, 1e-5, 0.00135, 0.01, 0.1, 0.3, 0.5, 0.7, 0.99):
            t = t_isf(p, df)
            assert _close(float(_t_sf_exact(t, df)), p, 1e-12), (p, df, t)
            if p >= 1e-20:
                assert _close(t, float(sps.t.isf(p, df)), 1e-12), (p, df)
    assert t_isf(0.0, 3.0) == math.inf and t_isf(1.0, 3.0) == -math.inf and t_isf(0.5, 3.0) == 0.0
    assert math.isnan(t_isf(0.1, 0.0)) and math.isnan(t_isf(1.5, 3.0))


def test_rel_entr_equals_scipy_bit_for_bit() -> None:
    x = np.array([0, 0, 0, 1, 2, 0.5, np.inf, 1e-300, 3, np.nan, 1, -1, 0.3, 1e-300, 1e300])
    y = np.array([0, 1, -1, 0, 2, 0.25, 1, 1e-300, np.inf, 1, np.nan, 1, -0.2, 1e300, 1e-300])
    assert np.array_equal(rel_entr(x, y), ss.rel_entr(x, y), equal_nan=True)
    rng = np.random.default_rng(11)
    p, q = rng.dirichlet(np.ones(50), 200).ravel(), rng.dirichlet(np.ones(50), 200).ravel()
    assert np.array_equal(rel_entr(p, q), ss.rel_entr(p, q))
    assert rel_entr(np.array([[0.2, 0.8]]), np.array([0.5, 0.5])).shape == (1, 2)
