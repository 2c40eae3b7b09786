"""`scipy.special.smirnov(n, d)` with numpy alone: Pr(D+_n > d), the one-sided KS survival.

The special cases are ported from xsf's `cephes/kolmogorov.h` (scipy 1.17; BSD-3-Clause,
Copyright (c) 2024 SciPy developers; Copyright 1985, 1987 Stephen L. Moshier) and give its
numbers bit for bit: n = 1, d = 0 or 1, d <= 1/n, d >= 1 - 1/n, -2 n d^2 below the
smallest exponent (0), and n > 10^6 (scipy's approximation exp(-(6nd + 1)^2 / 18n)).

Elsewhere xsf sums the Birnbaum-Tingey series term by term in double-double arithmetic:
about n (1 - d) terms, ~0.4 s a call in C at n = 300k. Here the terms are computed with numpy,
65536 at a time: d sum_{v=0}^{floor(n(1-d))} C(n, v) (d + v/n)^(v-1) (1 - d - v/n)^(n-v), each
term as a binomial probability C(n, v) p^v q^(n-v) / p in Loader's saddle-point form
(stirlerr + bd0), so every term keeps full relative precision with no overflow and the sum of
positive terms keeps it too (relative error ~1e-14; tests/unit/stats/test_stats_special.py
bounds it at 1e-12 against scipy where the value is above 1e-300, 1e-310 absolute below).
"""

from __future__ import annotations

import math

import numpy as np

from telltale.stats.special import _LN_SQRT_2PI, _S0, _S1, bd0, stirlerr, stirlerr_int

_MINLOG = -7.451332191019412076235245305675398106812e2   # xsf MINLOG = log(2^-1075)
_SMIRNOV_MAX_COMPUTE_N = 1_000_000


def _two_sum(a: float, b: float) -> tuple[float, float]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _pow2(a: float, b: float, m: int) -> float:
    """(a + b)^m with a + b held as a double-double: xsf's `pow2` (pow of the high part,
    corrected to first order for the low part)."""
    hi, lo = _two_sum(a, b)
    if m == 0:
        return 1.0
    if hi == 0.0:
        return 0.0
    ans = hi ** m
    r = lo / hi
    adj = m * r
    if abs(adj) > 1e-8:
        if abs(adj) < 1e-4:
            adj += (m * r) * ((m - 1) / 2.0 * r)
        else:
            adj = math.expm1(m * math.log1p(r))
    return ans + ans * adj


def _floor_and_rest(n: int, x: float) -> tuple[int, float, float, float]:
    """floor(n x), the remainder n x - floor(n x) (rounded once), n x rounded, and the
    rounding error of that double (all from exact integer arithmetic)."""
    num, den = x.as_integer_ratio()
    nxfl, rest = divmod(n * num, den)
    nx = float(n) * x
    a, b = nx.as_integer_ratio()
    nx_lo = (n * num * b - a * den) / (den * b)
    return nxfl, rest / den, nx, nx_lo


def _bd0_series(x: np.ndarray, d: float) -> np.ndarray:
    """Loader's bd0 where |d| < 0.1 (2x - d): d v + 2x sum_j v^(2j+1) / (2j+1), v = d / (2x - d),
    with as many terms as the largest |v| of `x` needs (v^2j below 1e-18)."""
    v = d / (2.0 * x - d)
    v2 = v * v
    top = float(np.max(v2)) if v2.size else 0.0
    terms = 1 if top == 0.0 else max(1, min(9, math.ceil(-18 * math.log(10) / math.log(top))))
    poly = np.full(v.shape, 1.0 / (2 * terms + 1))
    for k in range(2 * terms - 1, 1, -2):
        poly *= v2
        poly += 1.0 / k
    poly *= v2
    poly *= v
    poly *= 2.0 * x
    poly += d * v
    return poly


def _bd0_sorted(x: np.ndarray, d: float) -> np.ndarray:
    """`bd0(x, d)` for x sorted ascending (>= 1) and a scalar d: the direct form on the prefix
    where |d| >= 0.1 (2x - d), the series after it in chunks of like |v|."""
    k = int(np.searchsorted(x, (10.0 * abs(d) + d) / 2.0))
    while k > 0 and abs(d) < 0.1 * (2.0 * x[k - 1] - d):
        k -= 1
    while k < len(x) and not abs(d) < 0.1 * (2.0 * x[k] - d):
        k += 1
    out = np.empty(x.shape)
    out[:k] = bd0(x[:k], np.float64(d))
    cut = k
    for bound in (0.01, 0.001, 1e-4):          # |v| falls as x grows: fewer terms further on
        nxt = max(cut, int(np.searchsorted(x, (abs(d) / bound + d) / 2.0)))
        out[cut:nxt] = _bd0_series(x[cut:nxt], d)
        cut = nxt
    out[cut:] = _bd0_series(x[cut:], d)
    return out


def _stirlerr_sorted(n: np.ndarray) -> np.ndarray:
    """`stirlerr` of whole numbers >= 1 sorted ascending."""
    out = np.empty(n.shape)
    a, b = (int(i) for i in np.searchsorted(n, (80.5, 500.5)))
    out[:a] = stirlerr_int(n[:a])
    out[a:b] = stirlerr_int(n[a:b])
    m = n[b:]
    out[b:] = (_S0 - _S1 / (m * m)) / m       # the next term, 1/(1260 n^5), is below 3e-17
    return out


_CHUNK = 1 << 16     # terms evaluated at once: ~3 MB of arrays whatever n is


def _log_terms(n: int, nx: float, nx_lo: float, start: int, stop: int) -> np.ndarray:
    """log(d A_v) for v = start..stop-1 (1 <= v < n - d n), in Loader's form."""
    v = np.arange(start, stop, dtype=np.float64)
    w = np.arange(n - stop + 1, n - start + 1, dtype=np.float64)     # n - v, ascending
    with np.errstate(under="ignore", divide="ignore"):
        log_terms = _stirlerr_sorted(v)
        log_terms += _bd0_sorted(v, -nx)
        nv_part = _stirlerr_sorted(w)
        nv_part += _bd0_sorted(w, nx)
        nv_part += 0.5 * np.log(w)
        log_terms += nv_part[::-1]
        log_terms += 0.5 * np.log(v)
        vnx = v + nx
        log_terms += np.log(vnx)
        np.negative(log_terms, out=log_terms)
        log_terms += stirlerr(float(n)) + 0.5 * math.log(n) - _LN_SQRT_2PI + math.log(nx)
        if nx_lo != 0.0:          # nx is n x rounded: first-order correction for the rest
            q = w[::-1] - nx
            log_terms += np.where(q > 0, nx_lo * (1.0 / nx - (1.0 + nx) / vnx - nx / np.where(q > 0, q, 1.0)), 0.0)
    return log_terms


def _lower_sum(n: int, x: float, last: int, nx: float, nx_lo: float) -> float:
    """d sum_{v=0}^{last} A_v, every term a binomial probability in Loader's form, summed as
    (max, sum of exp(term - max)) per chunk so that terms which underflow alone still count."""
    first = _pow2(1.0, -x, n)                        # the v = 0 term: (1 - x)^n
    parts = [(math.log(first), 1.0)] if first > 0 else []
    for start in range(1, last + 1, _CHUNK):
        log_terms = _log_terms(n, nx, nx_lo, start, min(start + _CHUNK, last + 1))
        top = float(np.max(log_terms))
        if top > -math.inf:
            with np.errstate(under="ignore"):
                parts.append((top, float(np.sum(np.exp(log_terms - top)))))
    if not parts:
        return 0.0
    top = max(t for t, _ in parts)
    total = math.fsum(s * math.exp(t - top) for t, s in parts)
    if top > -700.0:
        return math.exp(top) * total
    return math.exp(top + math.log(total))     # a denormal (or 0): every term underflows alone


def smirnov(n: int, x: float) -> float:
    """`scipy.special.smirnov(n, x)`: Pr(D+_n > x) for a whole n >= 1 and 0 <= x <= 1."""
    if math.isnan(x) or not (n > 0 and 0.0 <= x <= 1.0):
        return math.nan
    if n == 1:
        return 1.0 - x
    if x == 0.0:
        return 1.0
    if x == 1.0:
        return 0.0
    nxfl, alpha, nx, nx_lo = _floor_and_rest(n, x)
    if alpha == 1.0:
        nxfl, alpha = nxfl + 1, 0.0
    last = n - nxfl - (0 if alpha == 0 else 1) - (1 if alpha == 0 else 0)
    if nxfl == 0 or (nxfl == 1 and alpha == 0):            # x <= 1/n
        return 1.0 - x * _pow2(1.0, x, n - 1)
    if -2 * n * x * x < _MINLOG:                            # the sf underflows
        return 0.0
    if nxfl >= n - 1:                                       # x >= 1 - 1/n
        return _pow2(1.0, -x, n)
    if n > _SMIRNOV_MAX_COMPUTE_N:                          # scipy's approximation
        logp = -math.pow(6.0 * n * x + 1, 2) / 18.0 / n
        if logp < -math.log(2.0):
            return math.exp(logp)
        return 1.0 - (-math.expm1(logp))
    return min(max(_lower_sum(n, x, last, nx, nx_lo), 0.0), 1.0)
