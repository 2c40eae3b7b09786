"""Detection rules say when there is nothing to judge, and never report an infinite move."""

from __future__ import annotations

from telltale.monitors.detection import anomaly, change


def test_change_from_a_zero_baseline_is_said_plainly():
    fired = change(5.0, 0.0, 20.0)
    assert fired.fired and fired.status is None
    assert fired.reason == "5 differs from the baseline's 0 (any change from 0 exceeds a percentage; allowed 20%)"
    assert "inf" not in fired.reason
    same = change(0.0, 0.0, 20.0)
    assert not same.fired and same.reason == "0 equals the baseline's 0 (allowed 20%)"
    assert not change(5.0, 0.0, 20.0, direction="down").fired


def test_change_without_a_baseline_value_is_no_data():
    v = change(5.0, None, 20.0)
    assert v.status == "no_data" and not v.fired
    assert v.reason == "the baseline has no value to compare with"


def test_anomaly_with_too_little_history_is_no_data():
    v = anomaly(5.0, [1.0, None, 2.0], 3.0)
    assert v.status == "no_data" and not v.fired
    assert "2 past value(s), at least 3 are needed" in v.reason
    judged = anomaly(5.0, [1.0, 1.1, 0.9, 1.0], 3.0)
    assert judged.status is None and judged.fired
