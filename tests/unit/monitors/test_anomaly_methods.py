"""Anomaly detection's two methods against hand computations: mean / sample standard deviation
(zscore) and median / 1.4826 x MAD (robust), the small-history band (Student-t prediction
interval), `min_history` and the seasonality names."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from pydantic import ValidationError
from scipy import stats

from telltale.configbase.detection import AnomalyRule
from telltale.core.partials import count_rows
from telltale.core.timeutil import TimeRange
from telltale.monitors.detection import anomaly, band_width, change
from telltale.monitors.registry import REGISTRY

from _monitor_helpers import context, day, key, monitor

HISTORY = [10.0, 12.0, 11.0, 13.0, 50.0, 12.0, 11.0]   # one outlier among seven


def test_zscore_band_is_mean_and_sample_std_widened_by_the_t_quantile() -> None:
    """mean 17, sample std 14.6856...; band = t(6) quantile of the 3-sigma tail x sqrt(1 + 1/7)."""
    mean = sum(HISTORY) / 7
    std = math.sqrt(sum((v - mean) ** 2 for v in HISTORY) / 6)
    k = stats.t.isf(stats.norm.sf(3.0), 6) * math.sqrt(1 + 1 / 7)
    v = anomaly(40.0, HISTORY, 3.0)
    assert v.threshold["history_mean"] == pytest.approx(mean, abs=1e-12)
    assert v.threshold["history_std"] == pytest.approx(std, abs=1e-12)
    assert v.threshold["band_sd"] == pytest.approx(k, rel=1e-12)
    assert v.threshold["max"] == pytest.approx(mean + k * std, rel=1e-12)
    assert not v.fired            # the outlier inflated the std: 40 is 1.6 sd above the mean
    assert f"{(40 - mean) / std:.1f} standard deviations above its mean" in v.reason


def test_robust_band_is_median_and_mad_times_1_4826() -> None:
    """median 12, |deviations| 2,0,1,1,38,0,1 -> MAD 1, spread 1.4826; 40 is 18.9 spreads out."""
    v = anomaly(40.0, HISTORY, 3.0, method="robust")
    assert v.threshold["history_median"] == 12.0
    assert v.threshold["history_sd_mad"] == pytest.approx(1.4826, abs=1e-12)
    k = band_width(3.0, 7, "robust")
    assert v.threshold["max"] == pytest.approx(12.0 + k * 1.4826, rel=1e-12)
    assert k == pytest.approx(stats.t.isf(stats.norm.sf(3.0), 0.37 * 6) * math.sqrt(1 + math.pi / 14), rel=1e-12)
    assert v.fired and v.threshold["method"] == "robust"
    assert "18.9 standard deviations above its median" in v.reason
    assert not anomaly(14.0, HISTORY, 3.0, method="robust").fired


def test_robust_with_mad_zero_uses_the_mean_absolute_deviation() -> None:
    """Five of seven values equal: MAD 0; the spread is 1.2533 x mean |x - median| = 1.2533 x 6/7."""
    hist = [0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 4.0]
    v = anomaly(1.0, hist, 3.0, method="robust")
    assert v.threshold["history_sd_mad"] == pytest.approx(1.2533 * 6 / 7, abs=1e-12)
    assert not v.fired


def test_band_tends_to_the_sensitivity_and_matches_the_normal_tail() -> None:
    """Under normal noise the zscore band's false-alert rate is the sensitivity's normal tail
    (0.27 % at 3) for every history length: checked by simulation within 0.1 point."""
    assert band_width(3.0, 4) == pytest.approx(10.307, abs=1e-3)
    assert band_width(3.0, 100_000) == pytest.approx(3.0, abs=1e-3)
    rng = np.random.default_rng(3)
    for n in (4, 28):
        past, new = rng.normal(size=(200_000, n)), rng.normal(size=200_000)
        z = np.abs(new - past.mean(1)) / past.std(1, ddof=1)
        assert np.mean(z > band_width(3.0, n)) == pytest.approx(2 * stats.norm.sf(3.0), abs=1e-3)


def test_min_history_decides_when_it_may_fire() -> None:
    v = anomaly(9.0, [1.0, 1.1, 0.9, 1.0], 3.0, min_history=5)
    assert v.status == "no_data" and "4 past value(s), at least 5 are needed" in v.reason
    assert anomaly(9.0, [1.0, 1.1, 0.9, 1.0, 1.05], 3.0, min_history=5).fired
    with pytest.raises(ValidationError, match="greater than or equal to 2"):
        AnomalyRule(min_history=1)


@pytest.mark.parametrize(("name", "period"), [("day_of_week", timedelta(weeks=1)), ("weekly", timedelta(weeks=1)),
                                              ("hour_of_day", timedelta(days=1)), ("daily", timedelta(days=1)),
                                              ("7d", timedelta(days=7))])
def test_seasonality_names(name: str, period: timedelta) -> None:
    assert AnomalyRule(seasonality=name, history="28d").seasonality == period


def test_unknown_seasonality_names_the_spellings() -> None:
    with pytest.raises(ValidationError, match="day_of_week"):
        AnomalyRule(seasonality="monthly")


def test_model_activity_passes_method_and_min_history_through() -> None:
    """Through the monitor: 7 past days of rows [10, 12, 11, 13, 50, 12, 11], 40 today."""
    buckets = {key(day(i)): {count_rows().key: int(v)} for i, v in enumerate(HISTORY)}
    buckets[key(day(7))] = {count_rows().key: 40}
    ctx = context([], buckets, focal=TimeRange(day(7), day(8)), baseline=None)
    robust = monitor("model_activity", detection={"anomaly": {"method": "robust", "history": "7d"}})
    (r,) = REGISTRY["model_activity"].evaluate(robust, ctx)
    assert r.status == "alert" and r.threshold["history_median"] == 12.0
    (z,) = REGISTRY["model_activity"].evaluate(monitor("model_activity", detection={"anomaly": {"history": "7d"}}), ctx)
    assert z.status == "ok" and z.threshold["history_mean"] == pytest.approx(17.0)
    short = monitor("model_activity", detection={"anomaly": {"history": "7d", "min_history": 7}})
    six = dict(buckets)
    del six[key(day(0))]
    (n,) = REGISTRY["model_activity"].evaluate(short, context([], six, focal=TimeRange(day(7), day(8)), baseline=None))
    assert n.status == "no_data" and "at least 7 are needed" in n.message


@pytest.mark.parametrize("direction, kept, dropped", [("up", "max", "min"), ("down", "min", "max")])
def test_a_one_way_rule_shows_only_the_bound_that_can_fire(direction: str, kept: str, dropped: str) -> None:
    """change and anomaly with a direction: the threshold carries the one bound that fires."""
    history = [10.0, 11.0, 9.0, 10.5, 9.5, 10.0, 10.2, 9.8]
    both_a = anomaly(10.0, history, 3.0)
    both_c = change(10.0, 10.0, 20.0)
    for verdict, both in ((anomaly(10.0, history, 3.0, direction=direction), both_a),
                          (change(10.0, 10.0, 20.0, direction=direction), both_c)):
        assert dropped not in verdict.threshold and verdict.threshold["direction"] == direction
        assert verdict.threshold[kept] == both.threshold[kept]
        assert {"min", "max"} <= set(both.threshold)
    # the bound left out is the one that cannot fire: a value far past it stays quiet
    far = -1e6 if direction == "up" else 1e6
    assert not anomaly(far, history, 3.0, direction=direction).fired
    assert not change(far, 10.0, 20.0, direction=direction).fired
