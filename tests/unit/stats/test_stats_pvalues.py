"""stats.pvalues gives scipy.stats' own numbers without importing scipy at all.

Bit for bit on every branch of kstwo.sf that does not call `scipy.special.smirnov` (ported
unchanged) and for the chi-square statistic. Where scipy calls smirnov, ours is
`stats.smirnov.smirnov`, which sums the same finite series in another way (numpy, not
xsf's double-double loop, which takes ~0.4 s a call at large n): relative 1e-12 (absolute
1e-310 below 1e-300). The chi-square p-value is `stats.special.chi2_sf` (not cephes'
igamc): relative 1e-11 against scipy, whose own error reaches 5e-12 at large df
(tests/unit/stats/test_stats_special.py holds ours to 1e-12 against mpmath).
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats as sps

from telltale.stats.pvalues import chi2_independence, kstwo_sf

# n and d chosen so that every branch of scipy's _kolmogn(cdf=False) is taken: below the
# support, Ruben-Gambino (t <= 1, small and large n; t >= n - 1), x >= 0.5 (smirnov),
# n <= 140 (Durbin matrix, Pomeranz, smirnov), n > 140 (nx^2 >= 370, smirnov, Durbin matrix
# for n <= 1e5, Pelz-Good) and d >= 1.
NS = [1, 2, 3, 7, 20, 64, 140, 141, 500, 3000, 32_000, 99_999, 100_001, 322_000]


def _ds(n: int) -> list[float]:
    base = [0.0, 1e-9, 0.25 / n, 0.5 / n, 0.75 / n, 1.0 / n, 1.5 / n, 0.3, 0.5, 0.7, 0.99, 1.0, 1.2]
    # around the nx^2 cut-offs 0.754693, 2.2, 4, 18, 370 and n x^1.5 = 1.4
    cuts = [math.sqrt(c / n) * f for c in (0.5, 0.754693, 1.0, 2.0, 2.2, 3.0, 4.0, 10.0, 18.0, 100.0, 370.0, 400.0)
            for f in (0.999, 1.0, 1.001)]
    cuts += [(1.4 / n) ** (2 / 3) * f for f in (0.99, 1.0, 1.01)]
    return [d for d in base + cuts if d <= 1.5]


def _calls_smirnov(n: int, d: float) -> bool:
    """The branches of scipy's _kolmogn(cdf=False) that return 2 * smirnov(n, d)."""
    t = n * d
    if d <= 0.5 / n or d >= 1.0 or t <= 1.0 or t >= n - 1:
        return False
    if d >= 0.5:
        return True
    return t * d > 4 if n <= 140 else 2.2 <= t * d < 370.0


def _equal(got: float, want: float, n: int, d: float) -> bool:
    if got == want or (math.isnan(got) and math.isnan(want)):
        return True
    if not _calls_smirnov(n, d):
        return False
    return abs(got - want) <= (1e-12 * want if want > 1e-300 else 1e-310)


def _slow(n: int, d: float) -> bool:
    """scipy.special.smirnov at large n takes ~0.4 s a call: sample that branch sparsely."""
    return n > 20_000 and 2.2 <= n * d * d < 370 and d < 0.5


@pytest.mark.parametrize("n", NS)
def test_kstwo_sf_equals_scipy(n: int) -> None:
    ds = [d for d in _ds(n) if not _slow(n, d)] + [math.sqrt(3.0 / n)]
    for d in ds:
        want = float(sps.kstwo.sf(d, float(n)))
        got = kstwo_sf(d, float(n))
        assert _equal(got, want, n, d), f"kstwo.sf({d!r}, {n}): {got!r} vs scipy {want!r}"


def test_kstwo_sf_random_points() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(1, 400_000))
        d = float(rng.uniform(0, 3.0 / math.sqrt(n)))
        if _slow(n, d):
            continue
        assert _equal(kstwo_sf(d, float(n)), float(sps.kstwo.sf(d, float(n))), n, d), (d, n)


def test_kstwo_sf_nan_and_bad_n() -> None:
    assert math.isnan(kstwo_sf(float("nan"), 10.0))
    with pytest.raises(ValueError, match="whole n"):
        kstwo_sf(0.1, 2.5)


@pytest.mark.parametrize("seed", range(12))
def test_chi2_independence_equals_chi2_contingency(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 300))
    scale = [5, 1_000, 1e6, 3e7][seed % 4]
    table = rng.integers(1, int(scale), size=(2, k)).astype(np.float64)
    if seed % 3 == 0:
        table[1] = np.round(table[1] * rng.uniform(0.5, 1.5, size=k)) + 1
    ref = sps.chi2_contingency(table, correction=False)
    stat, p = chi2_independence(table)
    assert stat == float(ref.statistic), (stat, ref)
    assert abs(p - float(ref.pvalue)) <= 1e-11 * float(ref.pvalue) or (p == 0 and ref.pvalue < 1e-300), (p, ref)


def test_chi2_independence_single_column_is_degenerate() -> None:
    table = np.array([[3.0], [5.0]])
    ref = sps.chi2_contingency(table, correction=False)
    assert chi2_independence(table) == (float(ref.statistic), float(ref.pvalue)) == (0.0, 1.0)


def test_drift_and_anomaly_statistics_do_not_import_scipy() -> None:
    """A KS, chi2 and JS evaluation and a zscore and robust anomaly verdict import no scipy."""
    code = ("import sys, numpy as np\n"
            "from telltale.stats.drift import chi2, js_from_counts, ks_pvalue\n"
            "from telltale.stats.pvalues import kstwo_sf\n"
            "from telltale.monitors.detection import anomaly\n"
            "chi2({'a': 5, 'b': 7}, {'a': 9, 'b': 1}), ks_pvalue(0.01, 30_000, 900_000)\n"
            "assert 0 < kstwo_sf(0.004, 322_000.0) < 0.05\n"            # the smirnov branch
            "assert js_from_counts(np.array([1.0, 2, 3]), np.array([3.0, 2, 1])) > 0\n"
            "h = [1.0, 1.2, 0.9, 1.1, 1.05, 0.95]\n"
            "assert anomaly(9.0, h, 3.0).fired and anomaly(9.0, h, 3.0, method='robust').fired\n"
            "print(sorted(m for m in sys.modules if m == 'scipy' or m.startswith('scipy.')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr
