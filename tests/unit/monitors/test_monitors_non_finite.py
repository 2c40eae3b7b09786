"""NaN and ±inf are counted and reported, never an `ok` by accident."""

from __future__ import annotations

import math

import numpy as np
import pytest

from telltale.monitors.common import make_result
from telltale.core.fields import Field
from telltale.monitors.context import column_partials
from telltale.monitors.detection import anomaly, change
from telltale.monitors.drift import evaluate as drift_evaluate
from telltale.monitors.metric_change import evaluate as change_evaluate
from telltale.monitors.missing_values import evaluate as missing_evaluate
from telltale.core.grids import Grid
from telltale.core.timeutil import TimeRange

from _monitor_helpers import context, day, key, monitor, numeric_summary

X = Field("x", "features", "x", "numeric")
FOCAL = TimeRange(day(7), day(8))
BASELINE = TimeRange(day(0), day(7))


def buckets_of(focal: list, baseline: list | None = None) -> dict:
    buckets = {key(day(7)): numeric_summary(X, focal)}
    for i in range(7):
        buckets[key(day(i))] = numeric_summary(X, (baseline or [1.0, 2.0, 3.0])[i::7] or [1.0])
    return buckets


def ctx_with(focal: list, baseline: list | None = None):
    return context([X], buckets_of(focal, baseline), focal=FOCAL, baseline=BASELINE)


def stat(statistic: str, focal: list, baseline: list | None = None, detection=None):
    cfg = monitor("metric_change", statistic=statistic, detection=detection)
    (r,) = change_evaluate(cfg, ctx_with(focal, baseline))
    return r


def test_half_nan_mean_is_the_mean_of_the_finite_values_and_says_how_many_were_left_out() -> None:
    vals = [1.0, math.nan, 3.0, math.nan, math.inf, None]
    r = stat("mean", vals)
    assert r.value == 2.0 and r.extra["non_finite"] == 3
    assert "3 NaN/infinite value(s) left out" in r.message


def test_all_nan_is_no_data_with_the_reason() -> None:
    r = stat("mean", [math.nan, math.nan, None])
    assert r.status == "no_data" and r.value is None
    assert "all 2 non-null value(s) are NaN/infinite" in r.message


@pytest.mark.parametrize("statistic", ["variance", "stddev"])
def test_values_near_1e301_give_an_error_not_a_zero_stddev(statistic: str) -> None:
    vals = [1e301, 2e301, 3e301, -1e301]      # finite, but their squares overflow to inf
    r = stat(statistic, vals)
    assert r.status == "error" and r.value is not None and not math.isfinite(r.value)
    assert f"{statistic} of x is" in r.message and "not a finite number" in r.message
    assert r.as_json()["value"] is None        # strict JSON


def test_exact_moments_on_ordinary_values() -> None:
    vals = [3_000_000_000.0, -3_500_000_000.0, 4_000_000_000.0, None, 12.5]
    finite = np.array([v for v in vals if v is not None])
    assert stat("variance", vals).value == pytest.approx(np.var(finite, ddof=1), rel=1e-12)
    assert stat("stddev", vals).value == pytest.approx(np.std(finite, ddof=1), rel=1e-12)
    assert stat("missing_count", vals).value == 1.0


def test_a_nan_value_is_never_ok() -> None:
    ctx = ctx_with([1.0])
    cfg = monitor("custom_metric")
    for v in (math.nan, math.inf, -math.inf):
        r = make_result(cfg, ctx, column=None, segment=None, metric="m", value=v, verdict=None)
        assert r.status == "error" and "m is" in r.message and "not a finite number" in r.message


def test_a_non_finite_baseline_is_an_error() -> None:
    v = change(1.0, math.nan, 10)
    assert v.error and not v.fired
    r = make_result(monitor("metric_change"), ctx_with([1.0]), column="x", segment=None, metric="mean",
                    value=1.0, verdict=v)
    assert r.status == "error" and "baseline" in r.message


def test_anomaly_history_skips_non_finite_points() -> None:
    v = anomaly(10.0, [1.0, math.nan, 1.1, 0.9, math.inf, 1.0], 3.0)
    assert v.fired and v.threshold["history_points"] == 4 and "2 past window(s)" in v.reason


def test_missing_values_do_not_count_nan_but_report_it() -> None:
    ctx = ctx_with([1.0, math.nan, None, None])
    (r,) = missing_evaluate(monitor("missing_values"), ctx)
    assert r.value == 0.5 and r.extra["non_finite"] == 1 and "not counted as missing" in r.message


def test_drift_ignores_non_finite_values_and_reports_them() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(0, 1, 700).tolist()
    focal = rng.normal(0, 1, 100).tolist() + [math.nan] * 100 + [math.inf]
    buckets = buckets_of(focal, base)
    grid = Grid(-3.0, 3.0, 64)
    hist = column_partials(X)["hist"]
    for (bucket, _), vals in buckets.items():   # the histograms the warehouse returns: finite values
        raw = focal if bucket == day(7) else base[(bucket - day(0)).days::7]
        fin = np.array([v for v in raw if v is not None and math.isfinite(v)])
        bins, n = np.unique(grid.bin_of(fin), return_counts=True)
        vals[hist.key] = {int(k): int(c) for k, c in zip(bins, n)}
    ctx = context([X], buckets, focal=FOCAL, baseline=BASELINE, grids={hist.grid_key: grid})
    for method in ("psi", "ks", "wasserstein"):
        (r,) = drift_evaluate(monitor("data_drift", method=method, threshold=10.0), ctx)
        assert r.value is not None and math.isfinite(r.value), (method, r)
        assert r.extra["non_finite"] == 101 and "101 in the window" in r.message


def test_a_constant_column_has_variance_zero_not_an_error() -> None:
    r = stat("variance", [0.1] * 1000)
    assert r.status == "ok" and r.value == 0.0


def test_a_variance_lost_in_cancellation_is_an_error_not_a_number() -> None:
    """1e9 + N(0, 1): sum of squares − n·mean² cancels every digit of the variance."""
    rng = np.random.default_rng(2)
    vals = (1e9 + rng.normal(0, 1, 1000)).tolist()
    r = stat("stddev", vals)
    assert r.status == "error" and "cannot be computed precisely" in r.message, r.message
    assert r.as_json()["value"] is None


def test_the_rounding_bound_holds_where_the_variance_is_reported() -> None:
    from telltale.stats.moments import sample_variance

    rng = np.random.default_rng(5)
    for mean, sd in ((0.0, 1.0), (1e3, 50.0), (1e6, 10.0), (1.7e9, 2.5e4), (1e12, 1e7)):
        x = rng.normal(mean, sd, 5000)
        var = sample_variance(x.size, float(np.sum(x)), float(np.dot(x, x)), float(x.min()), float(x.max()))
        exact = float(np.var(x, ddof=1))
        err = abs(var.value - exact) / exact
        if var.precise:
            assert err <= var.relative_error, (mean, sd, err, var.relative_error)
