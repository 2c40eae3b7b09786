"""The alert body: DESIGN.md's fields, canonical bytes."""

from __future__ import annotations

import json

import pytest
from _alert_helpers import T0, make_result

from telltale.alerts import FIELDS, build_payload, canonical_json
from telltale.alerts.testalert import make_test_message

DESIGN_FIELDS = {"version", "id", "status", "severity", "monitor", "model", "type", "column", "segment",
                 "metric", "value", "threshold", "window", "baseline", "message", "fired_at"}


def test_payload_has_exactly_the_design_fields():
    p = build_payload("al_1", "firing", make_result(segment={"region": "EU"}), fired_at=T0)
    assert set(p) == set(FIELDS) == DESIGN_FIELDS
    assert p == {
        "version": 1, "id": "al_1", "status": "firing", "severity": "high", "monitor": "feature drift",
        "model": "credit", "type": "data_drift", "column": "income", "segment": {"region": "EU"},
        "metric": "psi", "value": 0.31, "threshold": {"max": 0.2},
        "window": {"start": "2026-03-12T00:00:00Z", "end": "2026-03-13T00:00:00Z"},
        "baseline": {"start": "2026-02-12T00:00:00Z", "end": "2026-03-12T00:00:00Z"},
        "message": "psi of income is 0.31", "fired_at": "2026-03-13T06:00:00Z"}


def test_canonical_json_is_sorted_compact_and_reproducible():
    p = build_payload("al_1", "firing", make_result(value=float("nan"), column=None), fired_at=T0)
    body = canonical_json(p)
    assert body == canonical_json(json.loads(body))
    assert body.startswith(b'{"baseline":{"end":') and b", " not in body and b": " not in body
    assert json.loads(body)["value"] is None and json.loads(body)["column"] is None
    assert list(json.loads(body)) == sorted(DESIGN_FIELDS)


def test_resolved_payload_keeps_fired_at_and_given_severity():
    p = build_payload("al_1", "resolved", make_result("ok", 0.05, severity="low"),
                      fired_at=T0, severity="high")
    assert (p["status"], p["severity"], p["fired_at"], p["value"]) == ("resolved", "high",
                                                                       "2026-03-13T06:00:00Z", 0.05)
    with pytest.raises(ValueError):
        build_payload("al_1", "open", make_result(), fired_at=T0)


def test_test_message_is_a_firing_payload_of_the_test_monitor():
    m = make_test_message(T0)
    assert set(m.payload) == DESIGN_FIELDS
    assert (m.payload["status"], m.payload["monitor"]) == ("firing", "telltale test")
    assert m.body == canonical_json(m.payload)
    assert m.idempotency_key == f"{m.alert_id}:firing"


def test_people_text_says_a_drift_threshold_fires_when_reached() -> None:
    """Slack and JIRA's `alert if` says what the result's message says: a drift distance alerts
    at or above its threshold (>=), another single maximum only above it (>)."""
    from telltale.alerts.channels.text import details

    drift = {"type": "data_drift", "metric": "psi", "value": 0.31, "threshold": {"max": 0.2}}
    volume = {"type": "model_activity", "metric": "count", "value": 9, "threshold": {"max": 5}}
    assert ("value", "psi = 0.31, alert if >= 0.2") in details(drift)
    assert ("value", "count = 9, alert if > 5") in details(volume)
