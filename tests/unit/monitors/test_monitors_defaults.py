"""Monitor settings: each default is the config's, and reading a detection changes nothing."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

from telltale.config.detection import ANOMALY_HISTORY, ANOMALY_SENSITIVITY, AnomalyRule
from telltale.core.timeutil import TimeRange
from telltale.monitors.common import detection_of, history_range

FOCAL = TimeRange(datetime(2026, 3, 10, tzinfo=timezone.utc), datetime(2026, 3, 11, tzinfo=timezone.utc))


def test_detection_of_leaves_the_callers_dict_alone() -> None:
    cfg = {"detection": {"kind": "anomaly", "sensitivity": 2.0}}
    before = copy.deepcopy(cfg)
    assert detection_of(cfg) == ("anomaly", {"sensitivity": 2.0})
    assert detection_of(cfg) == ("anomaly", {"sensitivity": 2.0})   # twice: nothing was popped
    assert cfg == before


def test_anomaly_history_defaults_to_the_configs() -> None:
    assert AnomalyRule().history == ANOMALY_HISTORY and AnomalyRule().sensitivity == ANOMALY_SENSITIVITY
    rng = history_range({"detection": {"kind": "anomaly"}}, FOCAL)
    assert rng == TimeRange(FOCAL.start - ANOMALY_HISTORY, FOCAL.start)
    rng = history_range({"detection": {"kind": "anomaly", "history": timedelta(days=3)}}, FOCAL)
    assert rng == TimeRange(FOCAL.start - timedelta(days=3), FOCAL.start)
