"""A grouped webhook's backlog goes out in POSTs of at most MAX_GROUP notices, each recorded
delivered as soon as it is accepted: a failing later POST never resends an earlier one, and a
`resolved` notice never overtakes its `firing` one from an earlier, failed POST.

Against the local webhook peer (tests/peers/alert_sinks.py: it checks every signature and
keeps each Idempotency-Key it processed) and a real store (SQLite, and the suite's
PostgreSQL peer).
"""

from __future__ import annotations

import json
from collections import Counter

from _alert_helpers import DAY, FAST, T0, channels_at, make_result

from telltale.alerts import AlertPolicy, apply_results, deliver_pending
from telltale.alerts.channels.webhook import MAX_GROUP

OPS = {"feature drift": AlertPolicy(channels=("ops",))}


def _accepted(sinks) -> list[dict]:
    """The grouped bodies the sink processed (accepted), in order."""
    return [json.loads(body) for body in sinks.state.webhook_processed.values()]


def _keys(bodies: list[dict]) -> list[str]:
    return [k for b in bodies for k in b["keys"]]


def test_a_long_backlog_goes_out_in_chunks_and_no_chunk_is_sent_twice(store, sinks) -> None:
    hook = channels_at(sinks, ops={"grouped": True})["ops"]
    n = 2 * MAX_GROUP + 50
    results = [make_result("alert", column=f"c{i:03d}") for i in range(n)]
    apply_results(store, results, OPS, run_id="r1", now=T0)
    sinks.reject = lambda req: 503                               # the sink is down for the day
    report = deliver_pending(store, {"ops": hook}, T0, FAST)
    assert report.failed == {"ops": MAX_GROUP} and report.deferred == n - MAX_GROUP
    assert len(sinks.state.requests) == FAST.attempts             # only the first chunk was tried
    assert sinks.state.webhook_processed == {}

    # back, but it takes one POST and then fails again: the first chunk is kept, not resent
    sinks.reject = lambda req: 503 if sinks.state.webhook_processed else None
    sinks.state.requests.clear()
    report = deliver_pending(store, {"ops": hook}, T0 + DAY, FAST)
    assert report.sent_total == MAX_GROUP and report.failed == {"ops": MAX_GROUP}
    assert report.deferred == n - 2 * MAX_GROUP
    (first,) = _accepted(sinks)
    assert len(first["alerts"]) == MAX_GROUP and set(first) == {"alerts", "keys", "version"}
    assert first["keys"] == [f"{a['id']}:firing" for a in first["alerts"]]
    assert [a["column"] for a in first["alerts"]] == [f"c{i:03d}" for i in range(MAX_GROUP)]  # oldest first
    assert len(store.pending_outbox()) == n - MAX_GROUP

    sinks.reject = None
    report = deliver_pending(store, {"ops": hook}, T0 + 2 * DAY, FAST)
    assert report.sent_total == n - MAX_GROUP and report.failed_total == 0
    bodies = _accepted(sinks)
    assert [len(b["alerts"]) for b in bodies] == [MAX_GROUP, MAX_GROUP, n - 2 * MAX_GROUP]
    keys = _keys(bodies)
    assert len(keys) == n and len(set(keys)) == n                 # every notice exactly once
    assert sinks.state.webhook_repeats == [] and sinks.state.bad_signatures == 0
    assert store.pending_outbox() == []
    assert deliver_pending(store, {"ops": hook}, T0 + 3 * DAY, FAST).sent_total == 0
    assert len(sinks.state.webhook_processed) == 3


def test_a_refused_chunk_holds_only_its_alerts_later_notices(store, sinks) -> None:
    """413 (the receiver refuses that body) is not the channel being down: the chunks after it
    still go, except a `resolved` notice whose `firing` was in the refused POST."""
    hook = channels_at(sinks, ops={"grouped": True})["ops"]
    n = 2 * MAX_GROUP + 50
    cols = [f"c{i:03d}" for i in range(n)]
    apply_results(store, [make_result("alert", column=c) for c in cols], OPS, run_id="r1", now=T0)
    sinks.reject = lambda req: 503
    deliver_pending(store, {"ops": hook}, T0, FAST)               # all pending
    late = cols[MAX_GROUP + 50:MAX_GROUP + 60]                    # firing in the second chunk
    apply_results(store, [make_result("ok", column=c, at=T0 + DAY) for c in late], OPS, run_id="r2",
                  now=T0 + DAY)

    posts = Counter[int]()

    def second_post_too_large(req) -> int | None:
        posts[0] += 1
        return 413 if posts[0] == 2 else None

    sinks.reject = second_post_too_large
    report = deliver_pending(store, {"ops": hook}, T0 + DAY, FAST)
    assert report.failed == {"ops": MAX_GROUP}                    # 413 is not retried at once
    bodies = _accepted(sinks)
    assert [len(b["alerts"]) for b in bodies] == [MAX_GROUP, n - 2 * MAX_GROUP]
    assert all(a["status"] == "firing" for b in bodies for a in b["alerts"])
    waiting = [e for e in report.notices if e["status"] == "pending"]
    assert len(waiting) == len(late) and {e["notice"] for e in waiting} == {"resolved"}
    assert {e["error"] for e in waiting} == {"an earlier notice of this alert is still pending"}

    sinks.reject = None
    report = deliver_pending(store, {"ops": hook}, T0 + 2 * DAY, FAST)
    assert report.sent == {("ops", "firing"): MAX_GROUP, ("ops", "resolved"): len(late)}
    bodies = _accepted(sinks)
    keys = _keys(bodies)
    assert len(keys) == n + len(late) == len(set(keys))
    for c in late:                                                 # firing went before resolved
        order = [(i, a["status"]) for i, b in enumerate(bodies) for a in b["alerts"] if a["column"] == c]
        assert [s for _, s in order] == ["firing", "resolved"] and order[0][0] <= order[1][0]
    assert max(len(b["alerts"]) for b in bodies) <= MAX_GROUP
