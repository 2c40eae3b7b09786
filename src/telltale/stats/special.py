"""Special functions of a run's statistics with numpy and `math` alone (no scipy).

`import scipy.special` costs 0.13-0.34 CPU s and `scipy.stats` 0.3-0.9 s, more than the
arithmetic a daily run does with them, so the few functions a run needs live here:

- `chi2_sf(df, x)`: `scipy.special.chdtrc`, the chi-square survival function
  Q(df/2, x/2) (regularized upper incomplete gamma), by the series or the continued
  fraction of DLMF 8.7.1 / 8.9.2 with the prefactor x^a e^-x / Gamma(a + 1) computed as
  Loader's Poisson density (stirlerr + bd0), so it keeps full relative precision at large
  df (contingency tables with hundreds of categories).
- `norm_sf`, `t_sf`, `t_isf`: in `stats/student.py`.
- `rel_entr(x, y)`: `scipy.special.rel_entr` with scipy's conventions for 0 and inf.
- `stirlerr` and `bd0` (Loader 2000, "Fast and accurate computation of binomial
  probabilities"), also used by `stats/smirnov.py`.

tests/unit/stats/test_stats_special.py compares each with scipy over grids covering every
branch, with the error bound it states.
"""

from __future__ import annotations

import math

import numpy as np

_LN_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_EPS = 2.220446049250313e-16
_MAXITER = 10_000
_S0, _S1, _S2, _S3, _S4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188


def stirlerr(n: float) -> float:
    """log(n!) - log(sqrt(2 pi n) (n/e)^n), the error of Stirling's formula, for n > 0."""
    if n <= 15.0:
        return math.lgamma(n + 1.0) - (n + 0.5) * math.log(n) + n - _LN_SQRT_2PI
    nn = n * n
    if n > 500:
        return (_S0 - _S1 / nn) / n
    if n > 80:
        return (_S0 - (_S1 - _S2 / nn) / nn) / n
    if n > 35:
        return (_S0 - (_S1 - (_S2 - _S3 / nn) / nn) / nn) / n
    return (_S0 - (_S1 - (_S2 - (_S3 - _S4 / nn) / nn) / nn) / nn) / n


_STIRLERR_TABLE = np.array([0.0] + [stirlerr(float(k)) for k in range(1, 81)])


def stirlerr_int(n: np.ndarray) -> np.ndarray:
    """`stirlerr` of an array of whole numbers >= 1 (float64): a table up to 80, above it
    three terms of the series (the fourth is below 3e-17)."""
    nn = n * n
    out = (_S0 - (_S1 - _S2 / nn) / nn) / n
    small = np.flatnonzero(n <= 80)
    if small.size:
        out[small] = _STIRLERR_TABLE[n[small].astype(np.int64)]
    return out


def bd0(x: np.ndarray | float, d: np.ndarray | float) -> np.ndarray:
    """Loader's deviance x log(x / M) + M - x for M = x - d, given the difference d exactly.

    x >= 0 and M > 0. Where |d| < 0.1 (x + M) a series in v = d / (x + M) avoids the
    cancellation of the direct form.
    """
    x = np.asarray(x, dtype=np.float64)
    d = np.asarray(d, dtype=np.float64)
    m = x - d
    s = x + m
    close = np.abs(d) < 0.1 * s
    out = np.empty(np.broadcast(x, d).shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        far = ~close
        xf, mf = np.broadcast_to(x, out.shape)[far], np.broadcast_to(m, out.shape)[far]
        out[far] = np.where(xf > 0, xf * np.log(xf / mf), 0.0) + mf - xf
    if close.any():
        xc = np.broadcast_to(x, out.shape)[close]
        dc = np.broadcast_to(d, out.shape)[close]
        v = dc / np.broadcast_to(s, out.shape)[close]
        acc = dc * v
        ej = 2.0 * xc * v
        v2 = v * v
        for j in range(1, 1000):
            ej = ej * v2
            nxt = acc + ej / (2 * j + 1)
            if np.array_equal(nxt, acc):
                break
            acc = nxt
        out[close] = acc
    return out


def _bd0(x: float, m: float) -> float:
    """`bd0` of scalars x and M; the direct form in extended precision (np.longdouble), whose
    cancellation would otherwise cost ~|x - M| eps (1e-12 at x - M = 5000)."""
    if abs(x - m) < 0.1 * (x + m):           # x - m is exact here (Sterbenz)
        return float(bd0(np.float64(x), np.float64(x - m)))
    xl, ml = np.longdouble(x), np.longdouble(m)
    return float(xl * np.log(xl / ml) + ml - xl)


def _log_poisson_prefactor(a: float, x: float) -> float:
    """log(x^a e^-x / Gamma(a)) without cancellation (Loader's dpois_raw x a)."""
    if a <= 15.0:            # small a: the direct form loses at most ~|a log x| eps
        return a * math.log(x) - x - math.lgamma(a)
    # x^a e^-x / Gamma(a + 1) = exp(-stirlerr(a) - bd0(a, x)) / sqrt(2 pi a)
    return -stirlerr(a) - _bd0(a, x) - _LN_SQRT_2PI - 0.5 * math.log(a) + math.log(a)


def _igam_series(a: float, x: float) -> float:
    """P(a, x) by DLMF 8.7.1: x^a e^-x / Gamma(a + 1) * sum x^k / ((a+1)...(a+k))."""
    term, total, r = 1.0, 1.0, a
    for _ in range(_MAXITER):
        r += 1.0
        term *= x / r
        total += term
        if term <= _EPS * total * 0.25:
            break
    return math.exp(_log_poisson_prefactor(a, x)) * total / a


def _igamc_cf(a: float, x: float) -> float:
    """Q(a, x) by the continued fraction of DLMF 8.9.2 (modified Lentz), for x > a - 1."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, _MAXITER):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) <= _EPS:
            break
    return math.exp(_log_poisson_prefactor(a, x)) * h


def gammaincc(a: float, x: float) -> float:
    """Regularized upper incomplete gamma Q(a, x) for a > 0, x >= 0 (`scipy.special.gammaincc`)."""
    if math.isnan(a) or math.isnan(x) or a <= 0 or x < 0:
        return math.nan
    if x == 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    if x < a + 1.0:
        return 1.0 - _igam_series(a, x)
    return _igamc_cf(a, x)


def chi2_sf(df: float, x: float) -> float:
    """`scipy.special.chdtrc(df, x)`: Pr(X > x) for X chi-square with df > 0 degrees of freedom."""
    if math.isnan(x) or math.isnan(df):
        return math.nan
    if x < 0:
        return 1.0
    return gammaincc(df / 2.0, x / 2.0)


_DBL_MIN = 2.2250738585072014e-308


def _rel_entr(x: float, y: float) -> float:
    if math.isnan(x) or math.isnan(y):
        return math.nan
    if x <= 0 or y <= 0:
        return 0.0 if x == 0 and y >= 0 else math.inf
    ratio = x / y
    if 0.5 < ratio < 2:
        return x * math.log1p((x - y) / y)
    if _DBL_MIN < ratio < math.inf:
        return x * math.log(ratio)
    return x * (math.log(x) - math.log(y))


def rel_entr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`scipy.special.rel_entr`, bit for bit (xsf's convex_analysis.h, with the C library's
    log and log1p as scipy): x log(x / y) for x, y > 0, 0 for x = 0 and y >= 0, inf
    otherwise, NaN for a NaN. Element by element: a run's arrays are a histogram's bins."""
    x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    out = [_rel_entr(a, b) for a, b in zip(x.ravel().tolist(), y.ravel().tolist())]
    return np.array(out, dtype=np.float64).reshape(x.shape)
