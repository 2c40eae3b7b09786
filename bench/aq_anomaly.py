"""The alert-quality study's anomaly part: daily volume (model_activity) and null shares
(missing_values) with 28+ days of history, through the monitors' own `evaluate` (so the
history windows, `min_history` and the band are telltale's)."""

from __future__ import annotations

import statistics
from typing import Any

import numpy as np

from aq_sim import C, context, evaluate, monitor, rows_only
from telltale.core.partials import count_rows
from telltale.monitors.context import column_partials

WEEKDAY = np.array([1.00, 1.03, 1.02, 0.99, 0.96, 0.72, 0.68])
"""Volume by weekday (Mon..Sun) of the simulated traffic."""
DAILY_NOISE = 0.05
"""Day-to-day volume noise: log-normal with a 5 % standard deviation, on top of Poisson."""
VOLUME_DROPS = (0.1, 0.2, 0.3, 0.5)
NULL_BASE = 0.01
NULL_SPIKES = (0.005, 0.01, 0.02)      # added to the 1 % null share
HISTORY_DAYS = 56

ACTIVITY_CONFIGS: dict[str, dict[str, Any]] = {
    "anomaly: {} (28d, no seasonality)": {},
    "anomaly: {seasonality: day_of_week, history: 28d} (4 points)": {"seasonality": "day_of_week", "history": "28d"},
    "anomaly: {seasonality: day_of_week} (default history 56d: 8 points)": {"seasonality": "day_of_week"},
    "anomaly: {method: robust, seasonality: day_of_week} (56d)": {"method": "robust", "seasonality": "day_of_week"},
    "anomaly: {method: robust} (28d, no seasonality)": {"method": "robust"},
}
OLD_RULE = "before: mean ± 3 sd, 4 weekly points (the reported 5.2σ case)"


def _old_rule(past: list[float], value: float) -> bool:
    """The rule before this change: mean ± 3 sample sd of the past values, at any history length."""
    mean, sd = statistics.fmean(past), statistics.stdev(past)
    return abs(value - mean) > 3.0 * sd


def volume_series(rng: np.random.Generator, n: int, days: int) -> np.ndarray:
    """Daily row counts: n x weekday profile x log-normal noise, Poisson-drawn."""
    mu = n * WEEKDAY[np.arange(days) % 7] * np.exp(rng.normal(0.0, DAILY_NOISE, days))
    return rng.poisson(mu).astype(np.int64)


def activity(rng: np.random.Generator, n: int, windows: int) -> dict[str, dict[str, list[bool]]]:
    """Alerts of each model_activity config on stable windows and on volume drops."""
    cfgs = {name: monitor("model_activity", detection={"anomaly": a}) for name, a in ACTIVITY_CONFIGS.items()}
    out: dict[str, dict[str, list[bool]]] = {name: {} for name in [*cfgs, OLD_RULE]}
    for _ in range(windows):
        series = volume_series(rng, n, HISTORY_DAYS + 1)
        focal_day = HISTORY_DAYS
        for variant, factor in [("stable", 1.0)] + [(f"drop {d:.0%}", 1.0 - d) for d in VOLUME_DROPS]:
            s = series.copy()
            s[focal_day] = int(round(s[focal_day] * factor))
            ctx = context([], {d: rows_only(v) for d, v in enumerate(s)}, focal_day, None)
            for name, cfg in cfgs.items():
                _, status = evaluate(cfg, ctx)
                out[name].setdefault(variant, []).append(status == "alert")
            weekly = [float(s[focal_day - 7 * k]) for k in range(1, 5)]
            out[OLD_RULE].setdefault(variant, []).append(_old_rule(weekly, float(s[focal_day])))
    return out


def nulls(rng: np.random.Generator, n: int, windows: int) -> dict[str, dict[str, list[bool]]]:
    """Alerts of missing_values with `anomaly: {}` on stable null shares and null spikes."""
    cfg = monitor("missing_values", columns=["c"], detection={"anomaly": {}})
    p = column_partials(C)
    out: dict[str, list[bool]] = {}
    for _ in range(windows):
        nulls_by_day = rng.binomial(n, NULL_BASE, 29)
        for variant, extra in [("stable", 0.0)] + [(f"+{s:.1%} nulls", s) for s in NULL_SPIKES]:
            k = nulls_by_day.copy()
            k[28] = rng.binomial(n, NULL_BASE + extra) if extra else k[28]
            buckets = {d: {count_rows().key: n, p["count"].key: int(n - k[d])} for d in range(29)}
            _, status = evaluate(cfg, context([C], buckets, 28, None))
            out.setdefault(variant, []).append(status == "alert")
    return {"missing_values anomaly: {} (28d)": out}
