"""Runs, metric history, alert records and the outbox at the store level."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from telltale.core.results import MonitorResult
from telltale.store import AlertRecord, OutboxMessage, new_owner, owner_alive, points_from_results
from telltale.core.timeutil import TimeRange

UTC = timezone.utc
D0 = datetime(2026, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def test_runs_begin_and_finish(store):
    rid = store.begin_run(D0, started_at=D0 + DAY)
    assert store.get_run(rid).status == "running"
    store.finish_run(rid, status="alert", exit_code=1, summary={"results": 3, "alerts": ["a"]},
                     finished_at=D0 + DAY + timedelta(seconds=5))
    run = store.get_run(rid)
    assert (run.status, run.exit_code, run.summary) == ("alert", 1, {"results": 3, "alerts": ["a"]})
    assert run.finished_at - run.started_at == timedelta(seconds=5)
    other = store.begin_run(D0, run_id="manual-1", started_at=D0 + 2 * DAY)
    assert [r.run_id for r in store.recent_runs()] == [other, rid]
    assert store.get_run("nope") is None


def _result(value, status="ok", column="income", segment=None, at=D0 + DAY):
    """A data_drift result of the day before `at`."""
    return MonitorResult(monitor="drift", model="credit", type="data_drift", column=column,
                         segment=segment, metric="psi", value=value, threshold={"max": 0.2},
                         status=status, severity="high", window=TimeRange(at - DAY, at),
                         baseline=TimeRange(D0 - 28 * DAY, D0), message="m", extra={"p_value": 0.01})


def test_metric_points_from_results_and_history(store):
    for i in range(4):
        at = D0 + i * DAY
        store.put_metric_points(points_from_results(f"r{i}", at, [
            _result(0.1 * i, at=at), _result(float("nan"), column=None, at=at),
            _result(9.0, segment={"region": "EU"}, at=at)]))
    store.put_metric_points(points_from_results("r2b", D0 + 2 * DAY, [_result(0.55, status="alert", at=D0 + 2 * DAY)]))

    hist = store.metric_history("credit", "drift", "income", "", since=D0 + DAY, until=D0 + 3 * DAY)
    assert [(p.at, p.value, p.run_id) for p in hist] == [(D0 + DAY, 0.1, "r1"), (D0 + 2 * DAY, 0.55, "r2b")]
    assert hist[1].status == "alert" and hist[1].extra["p_value"] == 0.01
    assert hist[0].window_start == D0 and hist[1].window_start == D0 + DAY and hist[0].extra["baseline"]["end"] == "2026-03-01T00:00:00Z"
    # the rerun at D0+2d replaced every point that monitor stored for that time
    assert len(store.metric_history("credit", "drift", "income", "", latest_only=False)) == 4
    model_level = store.metric_history("credit", "drift", None)
    assert len(model_level) == 3 and model_level[0].column is None and model_level[0].value is None
    assert D0 + 2 * DAY not in {p.at for p in model_level}
    assert [p.value for p in store.metric_history("credit", "drift", "income", "region=EU")] == [9.0] * 3


def test_rerunning_the_same_time_replaces_its_points_and_keeps_other_monitors(store):
    at = D0 + DAY
    other = MonitorResult(monitor="volume", model="credit", type="model_activity", column=None, segment=None,
                          metric="count", value=5.0, threshold=None, status="ok", severity="low",
                          window=TimeRange(D0, at), baseline=None, message="m")
    assert store.put_metric_points(points_from_results("r1", at, [_result(0.1), other])) == 2
    for i in range(3):   # the same --at three more times
        store.put_metric_points(points_from_results(f"again{i}", at, [_result(0.2 + i)]))
    every = store.metric_history("credit", "drift", "income", "", latest_only=False)
    assert [(p.run_id, p.value) for p in every] == [("again2", 2.2)]
    # another monitor's point of that time is untouched, as are other times
    assert [p.value for p in store.metric_history("credit", "volume", None, latest_only=False)] == [5.0]
    store.put_metric_points(points_from_results("r2", at + DAY, [_result(0.3, at=at + DAY)]))
    assert len(store.metric_history("credit", "drift", "income", "", latest_only=False)) == 2


def test_a_window_evaluated_again_at_another_time_keeps_one_point(store):
    """An hourly cron running a daily monitor evaluates the same day 24 times: the series
    keeps one point for that window, the latest evaluation's (DESIGN: never duplicated)."""
    for hour in (1, 2, 3):   # three `--at`s within the day after the window D0..D0+1d
        store.put_metric_points(points_from_results(f"h{hour}", D0 + DAY + hour * timedelta(hours=1),
                                                    [_result(0.1 * hour)]))
    every = store.metric_history("credit", "drift", "income", "", latest_only=False)
    assert [(p.run_id, p.value) for p in every] == [("h3", pytest.approx(0.3))]
    assert [p.run_id for p in store.list_points(model="credit")] == ["h3"]
    # the next day's window is a new point
    store.put_metric_points(points_from_results("d2", D0 + 2 * DAY, [_result(0.7, at=D0 + 2 * DAY)]))
    assert [p.run_id for p in store.list_points(model="credit")] == ["h3", "d2"]


def test_points_of_one_window_stored_twice_by_an_older_store_are_read_once(store):
    from telltale.store.schema import metric_points

    for hour in (1, 2):      # written as a store before window-keyed replacement did
        [row] = points_from_results(f"old{hour}", D0 + DAY + hour * timedelta(hours=1), [_result(0.5 + hour)])
        with store.transaction() as conn:
            conn.execute(sa.insert(metric_points), [{"run_id": row.run_id, "at": row.at, "model": row.model,
                                                     "monitor": row.monitor, "column": row.column,
                                                     "segment_key": "", "metric": row.metric, "value": row.value,
                                                     "status": row.status, "window_start": row.window_start,
                                                     "window_end": row.window_end, "extra": None}])
    assert [p.run_id for p in store.list_points()] == ["old2"]
    assert [p.run_id for p in store.metric_history("credit", "drift", "income")] == ["old2"]


def _alert(aid, status="open", opened=D0, **kw):
    return AlertRecord(alert_id=aid, monitor="drift", model="credit", column="income", segment_key="",
                       status=status, severity="high", opened_at=opened, **kw)


def test_alert_records(store):
    store.insert_alert(_alert("a1", fired_at=D0, payload={"x": 1}))
    key = ("drift", "credit", "income", "")
    assert store.open_alerts()[key].alert_id == "a1"
    with pytest.raises(sa.exc.IntegrityError):     # one open alert per key
        store.insert_alert(_alert("a2"))
    store.update_alert("a1", status="resolved", resolved_at=D0 + DAY)
    assert store.open_alerts() == {}
    assert store.last_notified_resolve(store.get_alert("a1").key) == D0 + DAY
    store.insert_alert(_alert("a2", opened=D0 + 2 * DAY))
    assert store.open_alerts(["drift"])[key].alert_id == "a2"
    assert store.open_alerts(["other"]) == {}
    assert store.count_fired("drift", D0, D0 + DAY) == 1
    assert [a.alert_id for a in store.list_alerts()] == ["a2", "a1"]
    with pytest.raises(ValueError):
        store.update_alert("a2", monitor="x")


def test_outbox_enqueue_is_idempotent_and_claim_is_exclusive(store):
    msgs = [OutboxMessage("a1", ch, "firing", '{"id":"a1"}', D0) for ch in ("ops", "team", "ops")]
    assert store.enqueue(msgs) == 2
    assert store.enqueue(msgs) == 0
    pending = store.pending_outbox()
    assert [(m.channel, m.idempotency_key, m.attempts) for m in pending] == [
        ("ops", "a1:firing", 0), ("team", "a1:firing", 0)]
    assert pending[0].payload == {"id": "a1"}
    lease = timedelta(minutes=5)
    first = store.claim_outbox(pending[0].id, owner="h:1:a", now=D0, lease=lease)
    assert first is not None and first.row.attempts == 1 and first.row.claimed_by == "h:1:a"
    assert store.claim_outbox(pending[0].id, owner=new_owner(), now=D0, lease=lease) is None  # leased
    assert store.record_delivered(first, D0, ref="ML-1")
    assert store.claim_outbox(pending[0].id, owner=new_owner(), now=D0, lease=lease) is None  # delivered
    assert store.get_ref("a1", "ops") == "ML-1" and store.refs_of(["a1"]) == {("a1", "ops"): "ML-1"}
    second = store.claim_outbox(pending[1].id, owner=new_owner(), now=D0, lease=lease)
    assert second is not None
    store.record_failed(second, "HTTP 500", D0 + DAY)
    rows = store.outbox_messages(alert_id="a1")
    assert rows[0].delivered and not rows[1].delivered
    assert (rows[1].attempts, rows[1].last_error, rows[1].next_attempt_at) == (1, "HTTP 500", D0 + DAY)
    assert store.outbox_channels("a1", "firing") == ["ops", "team"]
    assert store.outbox_counts() == {"ops": {"pending": 0, "delivered": 1},
                                     "team": {"pending": 1, "delivered": 0}}
    again = store.claim_outbox(pending[1].id, owner=new_owner(), now=D0 + 2 * DAY, lease=lease)
    store.record_failed(again, "HTTP 503", D0 + 3 * DAY)
    # counted in the store: delivered per (channel, status), failed attempts per channel
    assert store.delivery_totals() == ({("ops", "firing"): 1}, {"ops": 0, "team": 2})
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.claim_outbox(pending[1].id, owner=new_owner(), now=D0, lease=lease)


def test_a_lease_of_a_dead_process_or_an_expired_one_is_taken_over(store):
    import socket
    import subprocess
    import sys

    store.enqueue([OutboxMessage("a1", "ops", "firing", "{}", D0)])
    (row,) = store.pending_outbox()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    lease = timedelta(minutes=5)
    dead = f"{socket.gethostname()}:{gone}:x"
    assert store.claim_outbox(row.id, owner=dead, now=D0, lease=lease) is not None
    assert not owner_alive(dead)
    taken = store.claim_outbox(row.id, owner=new_owner(), now=D0, lease=lease)   # its owner died
    assert taken is not None and taken.row.attempts == 2
    other_host = store.claim_outbox(row.id, owner="elsewhere:1:x", now=D0 + lease, lease=lease)
    assert other_host is not None                                                 # expired: taken
    assert store.claim_outbox(row.id, owner=new_owner(), now=D0 + lease, lease=lease) is None
    assert not store.record_delivered(taken, D0)                                 # lease lost, still marked
    assert store.pending_outbox() == []


def test_latest_points_are_the_latest_evaluation_of_each_monitor(store):
    """A run that failed stores one `error` point (no column, the type as metric); the next
    day's run succeeds. The monitor's current points are that run's only: the error is history."""
    failed = MonitorResult(monitor="drift", model="credit", type="data_drift", column=None, segment=None,
                           metric="data_drift", value=None, threshold=None, status="error", severity="high",
                           window=TimeRange(D0, D0 + DAY), baseline=None, message="m", error="warehouse down")
    store.put_metric_points(points_from_results("r1", D0 + DAY, [failed, _result(0.1, segment={"region": "EU"})]))
    store.put_metric_points(points_from_results("r2", D0 + 2 * DAY, [_result(0.3, at=D0 + 2 * DAY),
                                                                    _result(0.05, column="age", at=D0 + 2 * DAY)]))
    latest = store.latest_points()
    assert [(p.run_id, p.column, p.status) for p in latest] == [("r2", "age", "ok"), ("r2", "income", "ok")]
    assert {p.run_id for p in store.list_points()} == {"r1", "r2"}     # the history keeps the failure
