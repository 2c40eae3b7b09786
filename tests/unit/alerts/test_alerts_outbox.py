"""Outbox delivery: a sink that is down loses nothing and duplicates nothing."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from _alert_helpers import DAY, FAST, T0, make_result, received

from telltale.alerts import AlertPolicy, RetrySettings, apply_results, build_channel, deliver_pending
from telltale.alerts.channels import AlertMessage
from telltale.errors import ChannelError

OPS = {"feature drift": AlertPolicy(channels=("ops",))}


def _fire(store, now=T0, column="income", status="alert"):
    return apply_results(store, [make_result(status, column=column)], OPS, run_id="r", now=now)


def test_sink_returning_500_keeps_the_message_then_delivers_it_exactly_once(store, hook, httpserver):
    httpserver.expect_request("/hook").respond_with_data("down for maintenance", status=500)
    _fire(store)
    report = deliver_pending(store, {"ops": hook}, T0, FAST)
    assert report.failed == {"ops": 1} and report.sent_total == 0
    assert len(received(httpserver)) == FAST.attempts             # quick retries inside one pass
    (row,) = store.pending_outbox()
    assert row.attempts == 1 and "HTTP 500" in row.last_error and "down for maintenance" in row.last_error
    assert row.next_attempt_at == T0 + FAST.requeue_base

    report = deliver_pending(store, {"ops": hook}, T0 + timedelta(seconds=30), FAST)
    assert report.deferred == 1 and len(received(httpserver)) == FAST.attempts   # not due yet

    httpserver.clear()
    httpserver.expect_request("/hook").respond_with_data("ok")
    report = deliver_pending(store, {"ops": hook}, T0 + timedelta(minutes=2), FAST)
    assert report.sent == {("ops", "firing"): 1}
    for i in range(3):                                             # repeated passes: no duplicates
        assert deliver_pending(store, {"ops": hook}, T0 + (i + 1) * DAY, FAST).sent_total == 0
    assert len(received(httpserver)) == 1
    assert store.pending_outbox() == []
    (row,) = store.outbox_messages()
    assert row.delivered_at == T0 + timedelta(minutes=2) and row.attempts == 2 and row.last_error is None


def test_port_closed_then_back(store, closed_port_url, httpserver):
    down = build_channel("ops", {"type": "webhook", "url": closed_port_url})
    _fire(store)
    for i in range(2):
        report = deliver_pending(store, {"ops": down}, T0 + i * DAY, FAST)
        assert report.failed == {"ops": 1}
    (row,) = store.pending_outbox()
    assert row.attempts == 2 and "could not deliver" in row.last_error
    assert row.next_attempt_at == T0 + DAY + 2 * FAST.requeue_base   # backoff doubles

    httpserver.expect_request("/hook").respond_with_data("ok")
    up = build_channel("ops", {"type": "webhook", "url": httpserver.url_for("/hook")})
    assert deliver_pending(store, {"ops": up}, T0 + 2 * DAY, FAST).sent_total == 1
    assert deliver_pending(store, {"ops": up}, T0 + 3 * DAY, FAST).sent_total == 0
    assert len(received(httpserver)) == 1


def test_resolved_never_overtakes_its_failed_firing(store, hook, httpserver):
    httpserver.expect_request("/hook").respond_with_data("no", status=503)
    _fire(store, T0)
    deliver_pending(store, {"ops": hook}, T0, FAST)
    _fire(store, T0 + DAY, status="ok")                           # resolves while firing is pending
    httpserver.clear()
    httpserver.expect_request("/hook").respond_with_data("ok")
    report = deliver_pending(store, {"ops": hook}, T0 + DAY, FAST)
    assert report.sent == {("ops", "firing"): 1, ("ops", "resolved"): 1}
    assert [json.loads(r.get_data())["status"] for r in received(httpserver)] == ["firing", "resolved"]


def test_one_failure_stops_the_channel_for_this_pass_only(store, hook, httpserver):
    httpserver.expect_request("/hook").respond_with_data("no", status=500)
    for col in ("a", "b", "c"):
        _fire(store, column=col)
    report = deliver_pending(store, {"ops": hook}, T0, FAST)
    assert report.failed == {"ops": 1} and report.deferred == 2
    assert [r.attempts for r in store.pending_outbox()] == [1, 0, 0]
    httpserver.clear()
    httpserver.expect_request("/hook").respond_with_data("ok")
    report = deliver_pending(store, {"ops": hook}, T0 + DAY, FAST)
    assert report.sent_total == 3
    assert [json.loads(r.get_data())["column"] for r in received(httpserver)] == ["a", "b", "c"]


def test_client_errors_are_not_retried_within_a_pass_but_stay_pending(store, hook, httpserver):
    httpserver.expect_request("/hook").respond_with_data("bad", status=400)
    _fire(store)
    report = deliver_pending(store, {"ops": hook}, T0, FAST)
    assert report.failed == {"ops": 1} and len(received(httpserver)) == 1
    assert len(store.pending_outbox()) == 1


def test_retries_are_bounded_in_time(store):
    class Slow:
        name = "ops"
        calls = 0

        def send(self, message: AlertMessage) -> None:
            Slow.calls += 1
            raise ChannelError("still down")

    _fire(store)
    settings = RetrySettings(attempts=50, initial_wait=0.2, max_wait=0.2, max_seconds=0.5)
    start = time.monotonic()
    report = deliver_pending(store, {"ops": Slow()}, T0, settings)
    assert time.monotonic() - start < 1.5
    assert report.failed == {"ops": 1} and 2 <= Slow.calls <= 4


def test_a_crashing_channel_does_not_lose_the_message(store):
    class Broken:
        name = "ops"

        def send(self, message: AlertMessage) -> None:
            raise KeyError("bug")

    _fire(store)
    report = deliver_pending(store, {"ops": Broken()}, T0, FAST)
    assert report.failed == {"ops": 1}
    (row,) = store.pending_outbox()
    assert row.last_error.startswith("KeyError")


def test_messages_for_an_unconfigured_channel_wait(store, hook, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    _fire(store)
    report = deliver_pending(store, {}, T0, FAST)
    assert report.unknown_channel == {"ops": 1}
    assert deliver_pending(store, {"ops": hook}, T0, FAST).sent_total == 1


def test_due_only_false_ignores_the_backoff(store, hook, httpserver):
    httpserver.expect_request("/hook").respond_with_data("no", status=500)
    _fire(store)
    deliver_pending(store, {"ops": hook}, T0, FAST)
    httpserver.clear()
    httpserver.expect_request("/hook").respond_with_data("ok")
    assert deliver_pending(store, {"ops": hook}, T0, FAST).deferred == 1
    report = deliver_pending(store, {"ops": hook}, T0, FAST, due_only=False)
    assert report.sent_total == 1 and report.as_json()["sent"] == [
        {"channel": "ops", "status": "firing", "count": 1}]


def test_two_deliverers_at_once_send_each_message_once(store, tmp_path):
    import threading

    from telltale.store import open_store

    sent: list[str] = []
    lock = threading.Lock()

    class SlowSink:
        name = "ops"

        def send(self, message: AlertMessage) -> None:
            time.sleep(0.05)
            with lock:
                sent.append(message.idempotency_key)

    for col in ("a", "b", "c"):
        _fire(store, column=col)
    other = open_store(store.engine.url.render_as_string(hide_password=False))
    reports = []
    threads = [threading.Thread(target=lambda s=s: reports.append(
        deliver_pending(s, {"ops": SlowSink()}, T0, FAST))) for s in (store, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    other.close()
    assert sorted(sent) == sorted({m.idempotency_key for m in store.outbox_messages()})
    assert len(sent) == 3 and sum(r.sent_total for r in reports) == 3
    assert store.pending_outbox() == []


def test_every_pending_notice_says_when_it_is_tried_again(store, hook, httpserver):
    """DESIGN: delivery `status` is `pending` with `retry_at`. A notice held behind a channel
    that failed in this pass is due from now (the next pass tries it); one held behind an
    earlier notice of its alert waits at least until that notice's retry."""
    httpserver.expect_request("/hook").respond_with_data("no", status=500)
    for col in ("a", "b"):
        _fire(store, column=col)
    _fire(store, T0, column="a", status="ok")                     # a's resolved waits behind its firing
    report = deliver_pending(store, {"ops": hook}, T0, FAST)
    by_key = {(n["alert"], n["notice"]): n for n in report.notices}
    failed, = [n for n in report.notices if n["status"] == "failed"]
    assert failed["retry_at"] == "2026-03-13T06:01:00Z"            # T0 + requeue_base
    pending = [n for n in report.notices if n["status"] == "pending"]
    assert len(pending) == 2 and all(n["retry_at"] is not None for n in pending)
    resolved = by_key[(failed["alert"], "resolved")]
    assert resolved["retry_at"] == failed["retry_at"]             # cannot overtake its firing
    other, = [n for n in pending if n["alert"] != failed["alert"]]
    assert other["retry_at"] == "2026-03-13T06:00:00Z"             # due now: the next pass tries it


def test_a_run_whose_queries_took_long_still_holds_its_claim_while_it_sends(store, sinks) -> None:
    # a run's `now` is taken when it starts; after minutes of warehouse queries its claim
    # (that start time plus the lease) had already expired when written, so a second process
    # delivering the same store (`serve` beside a cron `run`) took the notice over and sent
    # it a second time while the first was still sending it
    import threading
    from datetime import datetime, timezone

    from peers.alert_sinks import Hold

    channels = {"ops": build_channel("ops", {"type": "webhook", "url": f"{sinks.url}/hook",
                                            "secret": sinks.secret, "timeout": 5})}
    started = datetime.now(timezone.utc) - timedelta(minutes=10)     # the run began 10 minutes ago
    _fire(store, now=started)
    sinks.hold = Hold("POST /hook")
    first = threading.Thread(target=deliver_pending, args=(store, channels, started, FAST), daemon=True)
    first.start()
    assert sinks.hold.reached.wait(20)
    second = deliver_pending(store, channels, datetime.now(timezone.utc), FAST)   # the other process
    sinks.hold.release()
    first.join(20)
    assert sinks.state.webhook_repeats == [] and len(sinks.state.webhook_processed) == 1
    (notice,) = second.notices
    assert notice["status"] == "pending" and "being sent by another telltale process" in notice["error"]
    assert store.pending_outbox() == []


def test_a_sink_asking_to_retry_after_two_minutes_is_not_retried_sooner(store, hook, httpserver):
    """429 with Retry-After: 120 (a rate limit): no quick retries hammer it within the pass,
    and the notice waits the 120 s it asked for, longer than the first backoff (1 minute)."""
    from werkzeug import Response

    httpserver.expect_request("/hook").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "120"}))
    _fire(store)
    report = deliver_pending(store, {"ops": hook}, T0, FAST)
    assert report.failed == {"ops": 1} and len(received(httpserver)) == 1
    (row,) = store.pending_outbox()
    assert row.next_attempt_at == T0 + timedelta(seconds=120) and "Retry-After: 120 s" in row.last_error
    assert deliver_pending(store, {"ops": hook}, T0 + timedelta(seconds=90), FAST).deferred == 1
    httpserver.clear()
    httpserver.expect_request("/hook").respond_with_data("ok")
    assert deliver_pending(store, {"ops": hook}, T0 + timedelta(seconds=121), FAST).sent_total == 1


def test_a_short_retry_after_is_waited_before_the_quick_retry(store, hook, httpserver):
    from werkzeug import Response

    waits: list[float] = []
    settings = RetrySettings(attempts=2, initial_wait=0.01, max_wait=2.0, sleep=waits.append)
    httpserver.expect_oneshot_request("/hook").respond_with_response(
        Response("busy", status=503, headers={"Retry-After": "2"}))
    httpserver.expect_request("/hook").respond_with_data("ok")
    _fire(store)
    assert deliver_pending(store, {"ops": hook}, T0, settings).sent_total == 1
    assert waits == [2.0] and len(received(httpserver)) == 2


def test_retry_after_reads_seconds_and_http_dates():
    from datetime import datetime, timezone

    from telltale.alerts.channels.http import MAX_RETRY_AFTER_S, retry_after_seconds

    now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("120") == 120.0 and retry_after_seconds(" 0 ") == 0.0
    assert retry_after_seconds("Sun, 01 Mar 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Sun, 01 Mar 2026 11:00:00 GMT", now) == 0.0     # a date passed: now
    assert retry_after_seconds("99999999") == MAX_RETRY_AFTER_S
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    assert retry_after_seconds("-5") is None
