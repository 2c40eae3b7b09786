"""Monitor settings: each default is written once, in its config class, and the evaluators read
the typed config (no second default)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from telltale.configbase.detection import ANOMALY_HISTORY, ANOMALY_SENSITIVITY, AnomalyRule
from telltale.core.timeutil import TimeRange
from telltale.monitors.common import history_range
from telltale.monitors.drift import DRIFT_DEFAULT_THRESHOLDS

from _monitor_helpers import monitor

FOCAL = TimeRange(datetime(2026, 3, 10, tzinfo=timezone.utc), datetime(2026, 3, 11, tzinfo=timezone.utc))


def test_anomaly_history_defaults_to_the_configs() -> None:
    assert AnomalyRule().history == ANOMALY_HISTORY and AnomalyRule().sensitivity == ANOMALY_SENSITIVITY
    cfg = monitor("model_activity", detection={"anomaly": {}})
    assert history_range(cfg, FOCAL) == TimeRange(FOCAL.start - ANOMALY_HISTORY, FOCAL.start)
    cfg = monitor("model_activity", detection={"anomaly": {"history": "3d"}})
    assert history_range(cfg, FOCAL) == TimeRange(FOCAL.start - timedelta(days=3), FOCAL.start)


def test_no_history_without_an_anomaly_detection() -> None:
    assert history_range(monitor("model_activity", detection={"change": {"percent": 5}}), FOCAL) is None
    assert history_range(monitor("data_drift"), FOCAL) is None


@pytest.mark.parametrize("method", sorted(DRIFT_DEFAULT_THRESHOLDS))
def test_drift_threshold_defaults_per_method(method: str) -> None:
    cfg = monitor("data_drift", method=method)
    assert cfg.threshold == DRIFT_DEFAULT_THRESHOLDS[method]   # type: ignore[attr-defined]
    assert monitor("data_drift", method=method, threshold=0.5).threshold == 0.5   # type: ignore[attr-defined]


def test_other_defaults_come_from_the_config_classes() -> None:
    assert monitor("data_drift").severity == "medium"
    assert monitor("data_drift").method == "psi"   # type: ignore[attr-defined]
    assert monitor("new_values").min_share == 0.0   # type: ignore[attr-defined]
    assert monitor("metric_change", detection={"change": {"percent": 5}}).statistic == "mean"  # type: ignore[attr-defined]
    assert monitor("model_staleness", max_age="2d").on == "predictions"   # type: ignore[attr-defined]
