"""Alert lifecycle end to end: results -> alert state -> outbox -> a real HTTP sink."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from _alert_helpers import DAY, FAST, T0, make_result, received

from telltale.alerts import AlertPolicy, alert_id_for, alert_key, apply_results, deliver_pending

OPS = {"feature drift": AlertPolicy(channels=("ops",))}


def _run(store, hook, results, now, policies=OPS, run_id=None):
    """One run step: lifecycle, then delivery."""
    outcome = apply_results(store, results, policies, run_id=run_id or f"run-{now:%d%H%M}", now=now)
    report = deliver_pending(store, {"ops": hook}, now, FAST)
    return outcome, report


@pytest.fixture
def sink(httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    return httpserver


def _bodies(httpserver):
    return [(json.loads(r.get_data()), r.headers["Idempotency-Key"]) for r in received(httpserver)]


def test_open_alert_fires_once_over_three_runs_and_resolves_once(store, hook, sink):
    ids = []
    for i in range(3):
        outcome, report = _run(store, hook, [make_result("alert", 0.3 + i / 10)], T0 + i * DAY)
        ids.append(next(iter(store.open_alerts().values())).alert_id)
        if i == 0:
            assert outcome.as_json() == [{"id": ids[0], "monitor": "feature drift", "status": "firing",
                                          "channels": ["ops"], "model": "credit", "column": "income",
                                          "segment": None}]
            assert report.sent == {("ops", "firing"): 1}
        else:
            assert outcome.transitions == [] and outcome.still_open == [ids[0]]
            assert report.sent_total == 0
    assert len(set(ids)) == 1
    assert store.get_alert(ids[0]).last_value == pytest.approx(0.5)

    outcome, report = _run(store, hook, [make_result("ok", 0.05)], T0 + 3 * DAY)
    assert [(t.id, t.status, t.channels) for t in outcome.transitions] == [(ids[0], "resolved", ("ops",))]
    for i in range(4, 6):                                     # staying ok sends nothing more
        _run(store, hook, [make_result("ok", 0.05)], T0 + i * DAY)

    bodies = _bodies(sink)
    assert [(b["id"], b["status"], key) for b, key in bodies] == [
        (ids[0], "firing", f"{ids[0]}:firing"), (ids[0], "resolved", f"{ids[0]}:resolved")]
    assert bodies[1][0]["fired_at"] == bodies[0][0]["fired_at"] == "2026-03-13T06:00:00Z"
    assert bodies[1][0]["value"] == 0.05
    rec = store.get_alert(ids[0])
    assert rec.status == "resolved" and rec.resolved_at == T0 + 3 * DAY


def test_a_new_alert_after_resolve_gets_a_new_stable_id(store, hook, sink):
    _run(store, hook, [make_result("alert")], T0)
    first = next(iter(store.open_alerts().values())).alert_id
    assert first == alert_id_for(alert_key(make_result()), T0)
    _run(store, hook, [make_result("ok")], T0 + DAY)
    _run(store, hook, [make_result("alert")], T0 + 2 * DAY)
    second = next(iter(store.open_alerts().values())).alert_id
    assert second != first
    assert [b["id"] for b, _ in _bodies(sink)] == [first, first, second]


def test_error_and_no_data_change_nothing(store, hook, sink):
    _run(store, hook, [make_result("alert")], T0)
    before = store.open_alerts()
    for status in ("error", "no_data"):
        outcome, _ = _run(store, hook, [make_result(status, None)], T0 + DAY)
        assert outcome.transitions == [] and outcome.queued == 0
    assert store.open_alerts() == before
    outcome, _ = _run(store, hook, [make_result("no_data", None, column="age")], T0 + DAY)
    assert store.open_alerts() == before and len(received(sink)) == 1


def test_alerts_are_tracked_per_column_and_segment(store, hook, sink):
    results = [make_result(column="income"), make_result(column="age"),
               make_result(column="income", segment={"region": "EU"}),
               make_result(column=None, monitor="activity")]
    outcome, report = _run(store, hook, results, T0)
    assert len({t.id for t in outcome.transitions}) == 4
    assert report.sent == {("ops", "firing"): 3}          # 'activity' has no channels: recorded only
    assert [t.channels for t in outcome.transitions][-1] == ()
    segs = {b["segment"]["region"] if b["segment"] else None for b, _ in _bodies(sink)}
    assert segs == {None, "EU"}


def test_resolved_goes_to_the_channels_that_got_the_firing(store, httpserver):
    from telltale.alerts import build_channel
    httpserver.expect_request("/a").respond_with_data("ok")
    httpserver.expect_request("/b").respond_with_data("ok")
    chans = {n: build_channel(n, {"type": "webhook", "url": httpserver.url_for(f"/{n}")}) for n in "ab"}
    apply_results(store, [make_result()], {"feature drift": AlertPolicy(("a",))}, run_id="r1", now=T0)
    outcome = apply_results(store, [make_result("ok")], {"feature drift": AlertPolicy(("a", "b"))},
                            run_id="r2", now=T0 + DAY)
    assert outcome.transitions[0].channels == ("a",)
    deliver_pending(store, chans, T0 + DAY, FAST)
    assert len(received(httpserver, "/a")) == 2 and received(httpserver, "/b") == []


def test_cooldown_holds_a_refire_then_lets_it_out(store, hook, sink):
    policy = {"feature drift": AlertPolicy.of(["ops"], cooldown="6h")}
    _run(store, hook, [make_result()], T0, policy)
    _run(store, hook, [make_result("ok")], T0 + timedelta(hours=1), policy)
    outcome, report = _run(store, hook, [make_result()], T0 + timedelta(hours=2), policy)
    held = outcome.transitions[0]
    assert (held.status, held.channels, held.suppressed) == ("firing", (), "cooldown")
    assert held.as_json()["suppressed"] == "cooldown" and report.sent_total == 0
    assert store.get_alert(held.id).suppressed == "cooldown"

    outcome, _ = _run(store, hook, [make_result()], T0 + timedelta(hours=5), policy)
    assert outcome.transitions == []                                   # still inside the cooldown
    outcome, report = _run(store, hook, [make_result()], T0 + timedelta(hours=8), policy)
    assert [(t.id, t.channels, t.suppressed) for t in outcome.transitions] == [(held.id, ("ops",), None)]
    assert report.sent == {("ops", "firing"): 1}
    assert [b["status"] for b, _ in _bodies(sink)] == ["firing", "resolved", "firing"]


def test_flapping_inside_the_cooldown_stays_silent(store, hook, sink):
    policy = {"feature drift": AlertPolicy.of(["ops"], cooldown="1d")}
    statuses = ["alert", "ok", "alert", "ok", "alert", "ok"]
    for i, st in enumerate(statuses):
        _run(store, hook, [make_result(st)], T0 + i * timedelta(hours=1), policy)
    assert [b["status"] for b, _ in _bodies(sink)] == ["firing", "resolved"]
    held = [a for a in store.list_alerts() if a.fired_at is None]
    assert len(held) == 2 and all(a.status == "resolved" for a in held)


def test_daily_cap_limits_firing_notices_per_monitor_per_utc_day(store, hook, sink):
    policy = {"feature drift": AlertPolicy.of(["ops"], daily_cap=2)}
    cols = ["a", "b", "c", "d"]
    outcome, report = _run(store, hook, [make_result(column=c) for c in cols], T0, policy)
    assert [t.suppressed for t in outcome.transitions] == [None, None, "daily_cap", "daily_cap"]
    assert report.sent == {("ops", "firing"): 2}
    assert len(store.open_alerts()) == 4                              # all recorded
    outcome, report = _run(store, hook, [make_result(column=c) for c in cols], T0 + timedelta(hours=6), policy)
    assert outcome.transitions == [] and report.sent_total == 0       # same UTC day: still capped
    outcome, report = _run(store, hook, [make_result(column=c) for c in cols], T0 + DAY, policy)
    assert [t.status for t in outcome.transitions] == ["firing", "firing"]     # next day: the held ones
    assert report.sent == {("ops", "firing"): 2}
    assert sorted(b["column"] for b, _ in _bodies(sink)) == cols


def test_lifecycle_is_idempotent_for_the_same_transition(store, hook, sink):
    outcome = apply_results(store, [make_result()], OPS, run_id="r1", now=T0)
    aid = outcome.transitions[0].id
    store.enqueue([])  # no-op
    from telltale.store import OutboxMessage
    assert store.enqueue([OutboxMessage(aid, "ops", "firing", "{}", T0)]) == 0   # already queued
    deliver_pending(store, {"ops": hook}, T0, FAST)
    deliver_pending(store, {"ops": hook}, T0 + DAY, FAST)
    assert len(received(sink)) == 1


def test_an_alert_that_notifies_nobody_is_never_held(store):
    # notify: {high: [ops]} and a low alert: no channel, so no notice to hold; the cap
    # marked the later ones `suppressed: daily_cap` and run printed "held by daily_cap,
    # sent later" for alerts that would never send anything
    policy = {"feature drift": AlertPolicy.of({"high": ["ops"]}, daily_cap=1)}
    outcome = apply_results(store, [make_result(column=c, severity="low") for c in "abc"], policy,
                            run_id="r1", now=T0)
    assert [(t.channels, t.suppressed) for t in outcome.transitions] == [((), None)] * 3


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_processes_applying_the_same_alert_at_once_open_it_once(request, tmp_path, backend):
    # `serve` and a cron `run` evaluating one monitor at the same moment: on PostgreSQL both
    # lifecycle passes read "no open alert" and inserted one; the second died with a
    # UniqueViolation (an internal error for that run) in most of these races
    import threading

    from telltale.store import open_store

    url = f"sqlite:///{tmp_path}/state.db" if backend == "sqlite" else request.getfixturevalue("postgres_db")
    stores = [open_store(url), open_store(url)]
    errors: list[str] = []
    try:
        for i in range(12):
            barrier = threading.Barrier(2)

            def apply(s, column=f"c{i}", barrier=barrier):
                barrier.wait()
                try:
                    apply_results(s, [make_result(column=column)], OPS, run_id="r", now=T0)
                except Exception as exc:      # noqa: BLE001 - what the test is about
                    errors.append(repr(exc))

            threads = [threading.Thread(target=apply, args=(s,)) for s in stores]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
        assert errors == []
        assert len(stores[0].open_alerts()) == 12 and len(stores[0].pending_outbox()) == 12
    finally:
        for s in stores:
            s.close()
