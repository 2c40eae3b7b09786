"""Delivery through the outbox to every channel type at once (local API peers): a sink down
then up, 500 then 200, ten hourly runs of one problem, severity routing, updates, grouping,
no store lock held while a notice is sent, notices for a channel removed from the config."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

from _alert_helpers import FAST, T0, make_result
from _alert_helpers import channels_at
from peers.alert_sinks import Hold

from telltale.alerts import AlertPolicy, apply_results, deliver_pending
from telltale.alerts.dispatch import update_intervals
from telltale.alerts.listing import list_alerts

HOUR = timedelta(hours=1)
ALL = ("ops", "tickets", "pager", "team", "nr")


def _run(store, channels, status, now, *, column="income", policy=None, updates=None):
    policies = {"feature drift": policy or AlertPolicy(channels=ALL)}
    apply_results(store, [make_result(status, 0.31 if status == "alert" else 0.05, column=column, at=now)],
                  policies, run_id=f"r{now:%d%H}", now=now,
                  updates=update_intervals(channels) if updates is None else updates)
    return deliver_pending(store, channels, now, FAST, due_only=False)


def _per_channel(sinks):
    st = sinks.state
    return {"webhook": sorted(k.rsplit(":", 1)[1] for k in st.webhook_processed),
            "jira": [(k, i["status"]["name"], len(i["comments"])) for k, i in st.issues.items()],
            "pagerduty": {k: (i["status"], i["triggers"], i["resolves"]) for k, i in st.incidents.items()},
            "slack": [m["text"].split("]")[0] + "]" for m in st.slack],
            "newrelic": [e["status"] for e in st.nr_events]}


def test_ten_hourly_runs_of_one_problem_give_one_alert_and_one_resolve_per_channel(store, sinks) -> None:
    channels = channels_at(sinks)
    for i in range(10):
        report = _run(store, channels, "alert", T0 + i * HOUR)
        assert report.failed_total == 0
    _run(store, channels, "ok", T0 + 10 * HOUR)
    (alert,) = store.list_alerts()
    assert _per_channel(sinks) == {
        "webhook": ["firing", "resolved"], "jira": [("ML-1", "Done", 1)],
        "pagerduty": {alert.alert_id: ("resolved", 1, 1)}, "slack": ["[FIRING]", "[RESOLVED]"],
        "newrelic": ["firing", "resolved"]}
    assert sinks.state.webhook_repeats == [] and sinks.state.bad_signatures == 0


def test_a_sink_down_for_three_runs_then_up_gets_every_notice_once(store, sinks) -> None:
    channels = channels_at(sinks)
    day = timedelta(days=1)
    sinks.stop()
    for i in range(3):                                      # daily runs: two alerts, new evidence each day
        report = _run(store, channels, "alert", T0 + i * day, column="income")
        _run(store, channels, "alert", T0 + i * day, column="age")
        assert set(report.failed) == set(ALL)              # every channel failed, nothing lost
    assert {n["status"] for n in list_alerts(store, set(channels), "failed")["outbox"]} == {"failed"}
    sinks.start()
    report = _run(store, channels, "alert", T0 + 3 * day)
    _run(store, channels, "alert", T0 + 3 * day, column="age")
    for i in range(2):                                      # later passes send nothing again
        assert deliver_pending(store, channels, T0 + (4 + i) * day, FAST, due_only=False).sent_total == 0
    st = sinks.state
    assert len(st.webhook_processed) == 2 and st.webhook_repeats == [] and st.bad_signatures == 0
    # JIRA: one issue per alert, the three days of new evidence as comments
    assert sorted(len(i["comments"]) for i in st.issues.values()) == [3, 3] and len(st.issues) == 2
    assert all(c.startswith("Still firing") for i in st.issues.values() for c in i["comments"])
    assert len(st.incidents) == 2 and all(i["triggers"] == 1 for i in st.incidents.values())
    assert len(st.nr_events) == 2
    (slack,) = st.slack                                     # grouped: one message for both alerts
    assert slack["text"].startswith("telltale: 2 alert notices")
    refs = store.refs_of(a.alert_id for a in store.list_alerts())
    assert sorted(ch for (_, ch) in refs) == ["pager", "pager", "tickets", "tickets"]


def test_500_then_200_delivers_once_per_channel(store, sinks) -> None:
    channels = channels_at(sinks)
    sinks.fail_next = [500] * 50
    report = _run(store, channels, "alert", T0)
    assert set(report.failed) == set(ALL) and all("HTTP 500" in e for e in report.errors)
    sinks.fail_next = []
    report = _run(store, channels, "alert", T0 + HOUR)
    assert report.sent_total == len(ALL)
    assert len(sinks.state.issues) == 1 and len(sinks.state.incidents) == 1 and len(sinks.state.slack) == 1


def test_notify_by_severity_routes_each_alert(store, sinks) -> None:
    channels = channels_at(sinks)
    policy = AlertPolicy.of({"high": ["pager"], "low": ["team"]})
    apply_results(store, [make_result("alert", severity="high"), make_result("alert", column="age", severity="low"),
                          make_result("alert", column="tenure", severity="medium")],
                  {"feature drift": policy}, run_id="r", now=T0)
    report = deliver_pending(store, channels, T0, FAST)
    assert sorted((n["channel"], n["status"]) for n in report.notices) == [("pager", "sent"), ("team", "sent")]
    assert len(sinks.state.incidents) == 1 and "income" in next(iter(sinks.state.incidents.values()))["summary"]
    assert "credit.age" in sinks.state.slack[0]["text"]


def test_jira_gets_new_evidence_as_comments_at_most_once_per_update_every(store, sinks) -> None:
    channels = channels_at(sinks)
    day = timedelta(days=1)
    for i in range(4):                                       # daily runs: a new window each time
        _run(store, channels, "alert", T0 + i * day)
    _run(store, channels, "alert", T0 + 3 * day + HOUR)       # same window again: nothing new
    (issue,) = sinks.state.issues.values()
    assert len(issue["comments"]) == 3 and all(c.startswith("Still firing") for c in issue["comments"])
    assert _per_channel(sinks)["webhook"] == ["firing"]      # webhooks get no updates
    assert len(sinks.state.slack) == 1 and [e["status"] for e in sinks.state.nr_events] == ["firing"]


def test_no_store_lock_is_held_while_a_notice_is_sent(store, sinks) -> None:
    if store.dialect != "sqlite":
        return
    channels = channels_at(sinks)
    apply_results(store, [make_result("alert")], {"feature drift": AlertPolicy(channels=("ops",))},
                  run_id="r", now=T0)
    sinks.hold = Hold("POST /hook")
    done = threading.Event()
    threading.Thread(target=lambda: (deliver_pending(store, channels, T0, FAST), done.set()), daemon=True).start()
    assert sinks.hold.reached.wait(20)
    path = store.engine.url.database
    con = sqlite3.connect(path, timeout=0, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")                           # would raise 'database is locked' if held
    (claimed_by, lease_until), = con.execute("SELECT claimed_by, lease_until FROM outbox").fetchall()
    con.execute("ROLLBACK")
    con.close()
    assert claimed_by and lease_until
    sinks.hold.release()
    assert done.wait(20)
    assert store.pending_outbox() == []


def test_notices_for_a_removed_channel_are_reported_until_it_is_back(store, sinks) -> None:
    channels = channels_at(sinks)
    apply_results(store, [make_result("alert")], {"feature drift": AlertPolicy(channels=("ops", "gone"))},
                  run_id="r", now=T0)
    report = deliver_pending(store, channels, T0, FAST)
    (pending,) = [n for n in report.notices if n["channel"] == "gone"]
    assert pending["status"] == "pending" and "no channel named 'gone'" in pending["error"]
    (row,) = list_alerts(store, set(channels), "pending")["outbox"]
    assert row["channel"] == "gone" and "removed from the config" in row["error"]
    listed = list_alerts(store, set(channels))["alerts"][0]
    assert [(n["channel"], n["status"]) for n in listed["notices"]] == [("ops", "sent"), ("gone", "pending")]


def test_a_notice_the_channel_refuses_on_its_own_does_not_block_the_channels_others(store, sinks) -> None:
    # someone deletes the JIRA issue of an open alert: its `resolved` notice can never be
    # delivered (JIRA answers 404, not retried). It was the oldest pending notice of
    # the channel, every pass tried it first and then held the channel's other notices
    # "behind the failure", so no JIRA notice of any other alert went out again
    channels = {"tickets": channels_at(sinks)["tickets"]}
    policies = {"feature drift": AlertPolicy(channels=("tickets",))}
    apply_results(store, [make_result("alert", column="income")], policies, run_id="r1", now=T0)
    assert deliver_pending(store, channels, T0, FAST).sent_total == 1
    sinks.state.issues["GONE-1"] = sinks.state.issues.pop("ML-1")    # deleted in JIRA (keys are never reused)
    later = T0 + timedelta(days=1)
    apply_results(store, [make_result("ok", 0.05, column="income", at=later),
                          make_result("alert", column="age", at=later)], policies, run_id="r2", now=later)
    for attempt in range(2):                                  # this pass and the next
        report = deliver_pending(store, channels, later + attempt * HOUR, FAST, due_only=False)
        by_notice = {n["notice"]: n for n in report.notices}
        assert by_notice["resolved"]["status"] == "failed" and "Issue does not exist" in by_notice["resolved"]["error"]
        assert by_notice["firing"]["status"] == "sent" if attempt == 0 else "firing" not in by_notice
    assert "credit.age" in sinks.state.issues["ML-2"]["fields"]["summary"]
