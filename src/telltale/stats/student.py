"""The normal and Student's t tails of the anomaly band, with `math` alone (no scipy).

- `norm_sf(x)`: `scipy.stats.norm.sf`, 0.5 erfc(x / sqrt 2).
- `t_sf(t, df)` / `t_isf(p, df)`: Student's t survival function (the regularized incomplete
  beta I_x(df/2, 1/2) by its continued fraction, modified Lentz) and its inverse
  (safeguarded Newton), for any real df > 0 (the robust band's df is 0.37 (n - 1)).

tests/unit/stats/test_stats_special.py compares them with scipy and mpmath (1e-12).
"""

from __future__ import annotations

import math

from telltale.stats.special import _EPS, _MAXITER, stirlerr


def norm_sf(x: float) -> float:
    """`scipy.stats.norm.sf(x)`: Pr(Z > x) for a standard normal Z."""
    return 0.5 * math.erfc(x / math.sqrt(2.0))


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (modified Lentz), for x < (a + 1) / (a + b + 2)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (tiny if abs(d) < tiny else d)
    h = d
    for m in range(1, _MAXITER):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (tiny if abs(d) < tiny else d)
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (tiny if abs(d) < tiny else d)
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        delta = d * c
        h *= delta
        if abs(delta - 1.0) <= _EPS:
            break
    return h


def _lbeta(a: float, b: float) -> float:
    """log B(a, b), without the cancellation of lgamma(q) - lgamma(p + q) for a large q."""
    p, q = min(a, b), max(a, b)
    if q <= 15.0:
        return math.lgamma(p) + math.lgamma(q) - math.lgamma(p + q)
    # lgamma(z) = stirlerr(z) + (z - 1/2) log z - z + log sqrt(2 pi), for z = q and p + q
    return (math.lgamma(p) + stirlerr(q) - stirlerr(p + q) - (q - 0.5) * math.log1p(p / q)
            - p * math.log(p + q) + p)


def _betainc_small(a: float, b: float, x: float, log_x: float, log_1mx: float) -> float:
    """I_x(a, b) for x < (a + 1) / (a + b + 2), given log x and log(1 - x)."""
    if log_x == -math.inf:
        return 0.0
    log_front = a * log_x + b * log_1mx - _lbeta(a, b) - math.log(a)
    return math.exp(log_front) * _betacf(a, b, x)


def t_sf(t: float, df: float) -> float:
    """`scipy.stats.t.sf(t, df)`: Pr(T > t) for Student's t with real df > 0."""
    if math.isnan(t) or not df > 0:
        return math.nan
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    if t == 0.0:
        return 0.5
    r = df / t / t                             # the two-sided tail is I_x(df/2, 1/2),
    x, one_minus_x = r / (1.0 + r), 1.0 / (1.0 + r)       # x = df / (df + t^2)
    log_1mx = -math.log1p(r)
    log_x = -math.log1p(1.0 / r) if r > 1e-300 else math.log(df) - 2.0 * math.log(abs(t))
    a, b = df / 2.0, 0.5
    if x < (a + 1.0) / (a + b + 2.0):
        tail = 0.5 * _betainc_small(a, b, x, log_x, log_1mx)
    else:
        tail = 0.5 * (1.0 - _betainc_small(b, a, one_minus_x, log_1mx, log_x))
    return tail if t > 0 else 1.0 - tail


def _t_logpdf(t: float, df: float) -> float:
    return (math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
            - (df + 1) / 2 * math.log1p(t * t / df))


def t_isf(p: float, df: float) -> float:
    """`scipy.stats.t.isf(p, df)`: the t with Pr(T > t) = p, for 0 < p < 1 and real df > 0.

    Newton's method on log sf (whose derivative is -pdf / sf), kept inside a bracket that
    bisection shrinks whenever a Newton step would leave it.
    """
    if math.isnan(p) or not df > 0 or not 0.0 <= p <= 1.0:
        return math.nan
    if p == 0.0:
        return math.inf
    if p == 1.0:
        return -math.inf
    if p > 0.5:
        return -t_isf(1.0 - p, df)
    if p == 0.5:
        return 0.0
    lo, hi = 0.0, 1.0
    while t_sf(hi, df) > p:                   # bracket: sf(lo) > p >= sf(hi)
        lo, hi = hi, hi * 2.0
        if math.isinf(hi):
            return math.inf
    t, log_p = 0.5 * (lo + hi), math.log(p)
    for _ in range(400):
        sf = t_sf(t, df)
        if sf > p:
            lo = t
        else:
            hi = t
        if sf == p or sf == 0.0:
            break
        log_ratio = math.log(sf) - _t_logpdf(t, df)          # log(sf / pdf)
        nxt = t + (math.log(sf) - log_p) * math.exp(log_ratio) if log_ratio < 700 else math.inf
        if not lo < nxt < hi:
            nxt = 0.5 * (lo + hi)
        if nxt == t or hi - lo <= 4 * _EPS * hi:
            t = nxt
            break
        if abs(nxt - t) <= 0.5 * _EPS * abs(t):
            t = nxt
            break
        t = nxt
    return t
