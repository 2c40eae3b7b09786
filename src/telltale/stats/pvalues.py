"""p-values of the KS and chi-square tests without importing scipy.

`import scipy.stats` costs about 0.9 CPU seconds and `scipy.special` 0.13-0.34 s, more than
the rest of a daily run's statistics; these functions give scipy's numbers with numpy alone:

- `kstwo_sf(d, n)` is `scipy.stats.kstwo.sf(d, n)`: the code path of
  `scipy.stats._ksstats._kolmogn(n, d, cdf=False)` (Simard & L'Ecuyer 2011: Ruben-Gambino,
  Durbin matrix, Pomeranz, Pelz-Good, and `scipy.special.smirnov` on its branches) and
  `rv_continuous.sf`'s support handling, ported from scipy 1.17 (BSD-3-Clause, Copyright
  (c) 2001-2002 Enthought, Inc. 2003, SciPy Developers). Equal bit for bit except where
  scipy calls smirnov: there `stats/smirnov.py` (relative 1e-12).
- `chi2_independence(table)` is `scipy.stats.chi2_contingency(table, correction=False)`'s
  statistic (bit for bit) and p-value (`stats/special.py` `chi2_sf` for `chdtrc`: relative
  1e-11 against scipy, 1e-12 against the exact value) for a 2-D table with no empty row or
  column.

tests/unit/stats/test_stats_pvalues.py compares both with scipy.stats over every branch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from telltale.stats.smirnov import smirnov
from telltale.stats.special import chi2_sf

_E128 = 128
_EP128 = np.ldexp(np.longdouble(1), _E128)
_EM128 = np.ldexp(np.longdouble(1), -_E128)
_SQRT2PI = np.sqrt(2 * np.pi)
_LOG_2PI = np.log(2 * np.pi)
_MIN_LOG = -708
_SQRT3 = np.sqrt(3)
_PI_SQUARED = np.pi ** 2
_PI_FOUR = np.pi ** 4
_PI_SIX = np.pi ** 6
_STIRLING_COEFFS = [-2.955065359477124183e-2, 6.4102564102564102564e-3,
                    -1.9175269175269175269e-3, 8.4175084175084175084e-4,
                    -5.952380952380952381e-4, 7.9365079365079365079e-4,
                    -2.7777777777777777778e-3, 8.3333333333333333333e-2]


def _smirnov(n: int, x: np.ndarray) -> float:
    return smirnov(n, float(x))


def _log_nfactorial_div_n_pow_n(n: int) -> np.ndarray:
    rn = 1.0 / n
    return np.log(n) / 2 - n + _LOG_2PI / 2 + rn * np.polyval(_STIRLING_COEFFS, rn / n)


def _kolmogn_dmtw(n: int, d: np.ndarray) -> np.ndarray:
    """Pr(D_n <= d), Durbin's matrix (Marsaglia, Tsang, Wang 2003)."""
    if d >= 1.0:
        return np.clip(1.0, 0.0, 1.0)
    nd = n * d
    if nd <= 0.5:
        return np.clip(0.0, 0.0, 1.0)
    k = int(np.ceil(nd))
    h: Any = k - nd
    m = 2 * k - 1
    H = np.zeros([m, m])
    intm = np.arange(1, m + 1)
    v = 1.0 - h ** intm
    w = np.empty(m)
    fac = 1.0
    for j in intm:
        w[j - 1] = fac
        fac /= j
        v[j - 1] *= fac
    tt = max(2 * h - 1.0, 0) ** m - 2 * h ** m
    v[-1] = (1.0 + tt) * fac
    for i in range(1, m):
        H[i - 1:, i] = w[:m - i + 1]
    H[:, 0] = v
    H[-1, :] = np.flip(v, axis=0)
    Hpwr = np.eye(np.shape(H)[0])
    nn, expnt, Hexpnt = n, 0, 0
    while nn > 0:
        if nn % 2:
            Hpwr = np.matmul(Hpwr, H)
            expnt += Hexpnt
        H = np.matmul(H, H)
        Hexpnt *= 2
        if np.abs(H[k - 1, k - 1]) > _EP128:
            H /= _EP128
            Hexpnt += _E128
        nn = nn // 2
    p = Hpwr[k - 1, k - 1]
    for i in range(1, n + 1):
        p = i * p / n
        if np.abs(p) < _EM128:
            p *= _EP128
            expnt -= _E128
    if expnt != 0:
        p = np.ldexp(p, expnt)
    return np.clip(p, 0.0, 1.0)


def _pomeranz_j1j2(i: int, n: int, ll: int, ceilf: int, roundf: int) -> tuple[int, int]:
    if i == 0:
        j1, j2 = -ll - ceilf - 1, ll + ceilf - 1
    else:
        ip1div2, ip1mod2 = divmod(i + 1, 2)
        if ip1mod2 == 0:
            if ip1div2 == n + 1:
                j1, j2 = n - ll - ceilf - 1, n + ll + ceilf - 1
            else:
                j1, j2 = ip1div2 - 1 - ll - roundf - 1, ip1div2 + ll - 1 + ceilf - 1
        else:
            j1, j2 = ip1div2 - 1 - ll - 1, ip1div2 + ll + roundf - 1
    return max(j1 + 2, 0), min(j2, n)


def _kolmogn_pomeranz(n: int, x: np.ndarray) -> np.ndarray:
    """Pr(D_n <= x), Pomeranz's recursion (1974)."""
    t = n * x
    ll = int(np.floor(t))
    f = 1.0 * (t - ll)
    g = min(f, 1.0 - f)
    ceilf = 1 if f > 0 else 0
    roundf = 1 if f > 0.5 else 0
    npwrs = 2 * (ll + 1)
    gpower, twogpower, onem2gpower = np.empty(npwrs), np.empty(npwrs), np.empty(npwrs)
    gpower[0] = twogpower[0] = onem2gpower[0] = 1.0
    expnt = 0
    g_over_n, two_g_over_n, one_minus_two_g_over_n = g / n, 2 * g / n, (1 - 2 * g) / n
    for m in range(1, npwrs):
        gpower[m] = gpower[m - 1] * g_over_n / m
        twogpower[m] = twogpower[m - 1] * two_g_over_n / m
        onem2gpower[m] = onem2gpower[m - 1] * one_minus_two_g_over_n / m
    V0, V1 = np.zeros([npwrs]), np.zeros([npwrs])
    V1[0] = 1
    V0s, V1s = 0, 0
    j1, j2 = _pomeranz_j1j2(0, n, ll, ceilf, roundf)
    for i in range(1, 2 * n + 2):
        k1 = j1
        V0, V1 = V1, V0
        V0s, V1s = V1s, V0s
        V1.fill(0.0)
        j1, j2 = _pomeranz_j1j2(i, n, ll, ceilf, roundf)
        pwrs = gpower if i in (1, 2 * n + 1) else (twogpower if i % 2 else onem2gpower)
        ln2 = j2 - k1 + 1
        if ln2 > 0:
            conv = np.convolve(V0[k1 - V0s:k1 - V0s + ln2], pwrs[:ln2])
            conv_start, conv_len = j1 - k1, j2 - j1 + 1
            V1[:conv_len] = conv[conv_start:conv_start + conv_len]
            if 0 < np.max(V1) < _EM128:
                V1 *= _EP128
                expnt -= _E128
            V1s = V0s + j1 - k1
    ans = V1[n - V1s]
    for m in range(1, n + 1):
        if np.abs(ans) > _EP128:
            ans *= _EM128
            expnt += _E128
        ans *= m
    if expnt != 0:
        ans = np.ldexp(ans, expnt)
    return np.clip(ans, 0.0, 1.0)


def _kolmogn_pelz_good(n: int, x: np.ndarray) -> Any:
    """Pr(D_n <= x), the Pelz-Good (1976) approximation."""
    if x <= 0.0:
        return np.clip(0.0, 0.0, 1.0)
    if x >= 1.0:
        return np.clip(1.0, 0.0, 1.0)
    z = np.sqrt(n) * x
    zsquared, zthree, zfour, zsix = z ** 2, z ** 3, z ** 4, z ** 6
    qlog = -_PI_SQUARED / 8 / zsquared
    if qlog < _MIN_LOG:
        return np.clip(0.0, 0.0, 1.0)
    q = np.exp(qlog)
    k1a, k1b = -zsquared, _PI_SQUARED / 4
    k2a = 6 * zsix + 2 * zfour
    k2b = (2 * zfour - 5 * zsquared) * _PI_SQUARED / 4
    k2c = _PI_FOUR * (1 - 2 * zsquared) / 16
    k3d = _PI_SIX * (5 - 30 * zsquared) / 64
    k3c = _PI_FOUR * (-60 * zsquared + 212 * zfour) / 16
    k3b = _PI_SQUARED * (135 * zfour - 96 * zsix) / 4
    k3a = -30 * zsix - 90 * z ** 8
    K0to3 = np.zeros(4)
    maxk = int(np.ceil(16 * z / np.pi))
    for k in range(maxk, 0, -1):
        m = 2 * k - 1
        msquared, mfour, msix = m ** 2, m ** 4, m ** 6
        qpower = np.power(q, 8 * k)
        coeffs = np.array([1.0, k1a + k1b * msquared, k2a + k2b * msquared + k2c * mfour,
                           k3a + k3b * msquared + k3c * mfour + k3d * msix])
        K0to3 *= qpower
        K0to3 += coeffs
    K0to3 *= q
    K0to3 *= _SQRT2PI
    K0to3 /= np.array([z, 6 * zfour, 72 * z ** 7, 6480 * z ** 10])
    q = np.exp(-_PI_SQUARED / 2 / zsquared)
    ks = np.arange(maxk, 0, -1)
    ksquared = ks ** 2
    sqrt3z = _SQRT3 * z
    kspi = np.pi * ks
    qpwers = q ** ksquared
    k2extra = np.sum(ksquared * qpwers)
    k2extra *= _PI_SQUARED * _SQRT2PI / (-36 * zthree)
    K0to3[2] += k2extra
    k3extra = np.sum((sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qpwers)
    k3extra *= _PI_SQUARED * _SQRT2PI / (216 * zsix)
    K0to3[3] += k3extra
    K0to3 /= np.power(n * 1.0, np.arange(len(K0to3)) / 2.0)
    return sum(K0to3)


def _kolmogn_sf(n: int, x: np.ndarray) -> float:
    """Pr(D_n > x) for 1/(2n) < x < 1: scipy's `_kolmogn(n, x, cdf=False)`."""
    t = n * x
    if t <= 1.0:                                   # Ruben-Gambino: 1/2n <= x <= 1/n
        if t <= 0.5:
            return 1.0
        if n <= 140:
            prob = np.prod(np.arange(1, n + 1) * (1.0 / n) * (2 * t - 1))
        else:
            prob = np.exp(_log_nfactorial_div_n_pow_n(n) + n * np.log(2 * t - 1))
        return float(np.clip(1.0 - prob, 0.0, 1.0))
    if t >= n - 1:                                 # Ruben-Gambino
        return float(np.clip(2 * (1.0 - x) ** n, 0.0, 1.0))
    if x >= 0.5:                                   # exact: 2 * smirnov
        return float(np.clip(2 * _smirnov(n, x), 0.0, 1.0))
    nxsquared = t * x
    if n <= 140:
        if nxsquared <= 0.754693:
            return float(np.clip(1.0 - _kolmogn_dmtw(n, x), 0.0, 1.0))
        if nxsquared <= 4:
            return float(np.clip(1.0 - _kolmogn_pomeranz(n, x), 0.0, 1.0))
        return float(np.clip(2 * _smirnov(n, x), 0.0, 1.0))
    if nxsquared >= 370.0:
        return 0.0
    if nxsquared >= 2.2:
        return float(np.clip(2 * _smirnov(n, x), 0.0, 1.0))
    cdfprob: Any
    if nxsquared >= 18.0:
        cdfprob = np.float64(1.0)
    elif n <= 100000 and n * x ** 1.5 <= 1.4:
        cdfprob = _kolmogn_dmtw(n, x)
    else:
        cdfprob = _kolmogn_pelz_good(n, x)
    return float(np.clip(1.0 - cdfprob, 0.0, 1.0))


def kstwo_sf(d: float, n: float) -> float:
    """`scipy.stats.kstwo.sf(d, n)`: Pr(D_n > d) of the one-sample two-sided KS statistic.

    `n` must be a whole number >= 1; NaN for a NaN `d`.
    """
    if not (n >= 1 and n == round(n)):
        raise ValueError(f"kstwo_sf needs a whole n >= 1, got {n}")
    if math.isnan(d):
        return math.nan
    x = np.asarray(d, dtype=np.float64)          # a 0-d array, as scipy's nditer passes it
    if x <= 0.5 / n:                            # below the support (1/2n, 1)
        return 1.0
    if x >= 1.0:
        return 0.0
    return _kolmogn_sf(int(n), x)


def chi2_independence(table: np.ndarray) -> tuple[float, float]:
    """Statistic and p-value of `scipy.stats.chi2_contingency(table, correction=False)`.

    `table` is 2-D float64 with every row and column sum positive.
    """
    observed = np.asarray(table, dtype=np.float64)
    expected = (np.sum(observed, axis=1, keepdims=True) * np.sum(observed, axis=0, keepdims=True)
                / observed.sum() ** (observed.ndim - 1))
    dof = expected.size - sum(expected.shape) + expected.ndim - 1
    if dof == 0:
        return 0.0, 1.0
    stat = np.sum(((observed - expected) ** 2 / expected).ravel())   # scipy ravels for axis=None
    df = np.asarray(float(observed.size), dtype=np.float64) - 1 - (observed.size - 1 - dof)
    return float(stat), chi2_sf(float(df), float(stat))
