"""Every channel through its real client code against local peers of its API (tests/peers/alert_sinks.py):
the test alert's content, JIRA's lookup before create, PagerDuty's dedup key, Slack threads,
New Relic events and metric points, and what a channel refuses."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from _alert_helpers import SECRET, T0, make_result
from _alert_helpers import channels_at

from telltale.alerts import FIELDS, AlertMessage, DeliveryError, build_channel, build_payload, canonical_json
from telltale.alerts.metrics import export_results
from telltale.alerts.testalert import send_test_alert
from telltale.errors import ConfigError

DASH = "https://telltale.example"


def _message(status: str = "firing", ref: str | None = None, aid: str = "al_1", value: float = 0.31,
             severity: str = "high") -> AlertMessage:
    payload = build_payload(aid, "resolved" if status == "resolved" else "firing",
                            make_result("alert", value, severity=severity), fired_at=T0)
    return AlertMessage(aid, status, payload, canonical_json(payload), ref=ref, dashboard_url=DASH)


def test_each_channel_test_alert_arrives_with_the_documented_content(sinks, all_channels) -> None:
    for channel in all_channels.values():
        send_test_alert(channel, T0, dashboard_url=DASH)
    st = sinks.state
    (key, body), = st.webhook_processed.items()
    payload = json.loads(body)
    assert set(payload) == set(FIELDS) and payload["monitor"] == "telltale test" and key == f"{payload['id']}:firing"
    assert st.bad_signatures == 0
    (issue,) = st.issues.values()
    fields = issue["fields"]
    assert fields["summary"] == "[FIRING] low: telltale test on telltale"
    assert fields["labels"] == ["telltale", f"telltale-{payload['id']}"]
    assert fields["priority"] == {"name": "Low"} and fields["issuetype"] == {"name": "Bug"}
    assert "*value*: test = 1, alert if > 0" in fields["description"] and DASH in fields["description"]
    (incident,) = st.incidents.values()          # triggered, then resolved: no incident left open
    assert incident == {"status": "resolved", "summary": "[FIRING] low: telltale test on telltale",
                        "triggers": 1, "resolves": 1}
    assert [e["dedup_key"] for e in st.pd_events] == [payload["id"]] * 2
    (slack,) = st.slack
    assert slack["text"] == "[FIRING] low: telltale test on telltale"
    section = slack["blocks"][0]["text"]["text"]
    for part in ("*model*: telltale", "*window*: ", "*baseline*: -", f"*dashboard*: {DASH}", "alert if > 0"):
        assert part in section
    (event,) = st.nr_events
    assert event["eventType"] == "TelltaleAlert" and event["alertId"] == payload["id"]
    assert event["status"] == "firing" and event["monitor"] == "telltale test" and event["value"] == 1.0


def test_jira_looks_up_before_creating_comments_while_open_and_closes_on_resolve(sinks, all_channels) -> None:
    jira = all_channels["tickets"]
    key = jira.send(_message("firing"))
    assert key == "ML-1"
    assert jira.send(_message("firing")) == "ML-1"          # a repeat (crash before record): found, not created
    assert jira.send(_message("update", ref=key, value=0.4)) == "ML-1"
    assert jira.send(_message("resolved", ref=key, value=0.1)) == "ML-1"
    assert jira.send(_message("resolved", ref=key, value=0.1)) == "ML-1"   # a repeat: no second transition
    (issue,) = sinks.state.issues.values()
    assert issue["status"]["name"] == "Done" and issue["transitions"] == ["31"]
    assert issue["comments"][0].startswith("Still firing: psi = 0.4") and "al_1:update" in issue["comments"][0]
    assert issue["comments"][1].startswith("Resolved: psi = 0.1") and len(issue["comments"]) == 3
    with pytest.raises(DeliveryError, match="no issue labelled telltale-al_2"):
        jira.send(_message("resolved", aid="al_2"))


def test_jira_cloud_lookup_uses_search_jql_when_search_is_gone(sinks, all_channels) -> None:
    sinks.jira_cloud = True
    jira = all_channels["tickets"]
    assert jira.send(_message("firing")) == "ML-1"
    assert jira.send(_message("firing")) == "ML-1"          # found through /search/jql
    assert len(sinks.state.issues) == 1
    assert [r.path for r in sinks.state.requests].count("/rest/api/2/search/jql") == 2


def test_jira_names_a_missing_transition(sinks) -> None:
    chans = channels_at(sinks, tickets={"resolve_transition": "Closed", "user": None})
    key = chans["tickets"].send(_message("firing"))
    assert sinks.state.requests[-1].headers["authorization"] == "Bearer jt"    # no user: a PAT
    with pytest.raises(DeliveryError, match="no transition 'Closed' .available: Done.") as err:
        chans["tickets"].send(_message("resolved", ref=key))
    assert not err.value.retryable


def test_pagerduty_one_incident_per_dedup_key(sinks, all_channels) -> None:
    pager = all_channels["pager"]
    assert pager.send(_message("firing")) == "al_1"
    assert pager.send(_message("firing")) == "al_1"          # repeated: folded into the same incident
    pager.send(_message("resolved"))
    assert sinks.state.incidents == {"al_1": {"status": "resolved", "triggers": 1, "resolves": 1,
                                              "summary": "[FIRING] high: feature drift on credit.income"}}
    trigger = sinks.state.pd_events[0]
    assert trigger["payload"]["severity"] == "critical" and trigger["links"][0]["href"] == DASH
    assert trigger["payload"]["custom_details"]["threshold"] == {"max": 0.2}
    bad = channels_at(sinks, pager={"routing_key": "wrong"})["pager"]
    with pytest.raises(DeliveryError, match="HTTP 400.*routing_key is invalid") as err:
        bad.send(_message("firing"))
    assert not err.value.retryable


def test_slack_bot_replies_in_the_thread_and_reports_refusals(sinks) -> None:
    cfg = {"type": "slack", "bot_token": "xoxb-test", "channel": "#ml-alerts", "api_url": f"{sinks.url}/api/",
           "grouped": False}
    bot = build_channel("team", cfg)
    ts = bot.send(_message("firing"))
    assert ts == "1700000000.000000"
    bot.send(_message("resolved", ref=ts))
    first, second = sinks.state.slack
    assert first["channel"] == "#ml-alerts" and first.get("thread_ts") is None
    assert second["thread_ts"] == ts and second["text"].startswith("[RESOLVED] high: feature drift")
    wrong = build_channel("team", {**cfg, "bot_token": "xoxb-wrong"})
    with pytest.raises(DeliveryError, match="invalid_auth"):
        wrong.send(_message("firing"))


def test_newrelic_exports_every_result_as_a_metric_point(sinks, all_channels) -> None:
    results = [make_result("alert", 0.31), make_result("ok", 0.05, column="age", segment={"region": "EU"}),
               make_result("no_data", None, column="tenure")]
    (entry,) = export_results(all_channels, results, T0)
    assert entry == {"channel": "nr", "alert": None, "notice": "metrics", "status": "sent", "error": None,
                     "retry_at": None, "points": 2}
    points = sinks.state.nr_metrics
    assert [p["name"] for p in points] == ["telltale.metric_value"] * 2
    assert points[1]["value"] == 0.05 and points[1]["timestamp"] == int(T0.timestamp() * 1000)
    assert points[1]["attributes"] == {"model": "credit", "monitor": "feature drift", "column": "age",
                                       "segment": "region=EU", "metric": "psi", "status": "ok"}
    sinks.stop()
    (down,) = export_results(all_channels, results, T0)
    assert down["status"] == "failed" and "could not deliver" in down["error"]


def test_newrelic_region_picks_the_eu_endpoints() -> None:
    eu = build_channel("nr", {"type": "newrelic", "license_key": "k", "region": "eu"})
    assert eu.event_url == "https://insights-collector.eu01.nr-data.net/v1/accounts/events"  # type: ignore[attr-defined]
    assert eu.metric_url == "https://metric-api.eu.newrelic.com/metric/v1"  # type: ignore[attr-defined]


def test_grouped_webhook_sends_one_signed_body(sinks) -> None:
    hook = channels_at(sinks, ops={"grouped": True})["ops"]
    messages = [_message(aid=f"al_{i}") for i in range(3)]
    hook.send_group(messages)  # type: ignore[attr-defined]
    (req,) = [r for r in sinks.state.requests if r.path == "/hook"]
    body = json.loads(req.body)
    assert [a["id"] for a in body["alerts"]] == ["al_0", "al_1", "al_2"]
    assert body["keys"] == ["al_0:firing", "al_1:firing", "al_2:firing"] and body["version"] == 1
    sig = hmac.new(SECRET.encode(), req.body, hashlib.sha256).hexdigest()
    assert req.headers["x-telltale-signature"] == f"sha256={sig}"
    assert req.headers["idempotency-key"].startswith("group:")


@pytest.mark.parametrize("cfg, match", [
    ({"type": "slack"}, "either webhook_url"),
    ({"type": "slack", "webhook_url": "https://h", "bot_token": "x", "channel": "c"}, "not both"),
    ({"type": "slack", "bot_token": "x"}, "both bot_token and channel"),
    ({"type": "pagerduty"}, "Field required"),
    ({"type": "jira", "url": "https://j", "project": "ML", "token": "t", "resolve": "Done"}, "resolve"),
    ({"type": "teams", "url": "https://x"}, "unknown channel type 'teams'"),
])
def test_a_channel_that_cannot_deliver_is_a_config_error(cfg, match) -> None:
    with pytest.raises(ConfigError, match=match):
        build_channel("x", cfg)


def test_timeouts_default_per_channel() -> None:
    jira = build_channel("j", {"type": "jira", "url": "https://j", "project": "ML", "token": "t"})
    assert jira.timeout == 15.0 and jira.update_every == timedelta(days=1)  # type: ignore[attr-defined]


def test_a_grouped_webhook_keeps_its_body_format_for_a_pass_of_one_notice(store, sinks) -> None:
    # a pass with a single notice went out as a bare alert body; a receiver written for
    # `grouped: true` (docs/alerts.md: `{"alerts": [...], "keys": [...], "version": 1}`)
    # found no `alerts` in it
    from _alert_helpers import FAST, T0, make_result

    from telltale.alerts import AlertPolicy, apply_results, deliver_pending

    hook = channels_at(sinks, ops={"grouped": True})["ops"]
    apply_results(store, [make_result("alert")], {"feature drift": AlertPolicy.of(["ops"])}, run_id="r1", now=T0)
    assert deliver_pending(store, {"ops": hook}, T0, FAST).sent_total == 1
    (req,) = [r for r in sinks.state.requests if r.path == "/hook"]
    body = json.loads(req.body)
    (alert,) = body["alerts"]
    assert body["keys"] == [f"{alert['id']}:firing"] and body["version"] == 1 and alert["status"] == "firing"
    assert req.headers["idempotency-key"].startswith("group:")


def test_newrelic_metric_requests_stay_under_the_metric_api_size_limit(sinks, all_channels) -> None:
    # the Metric API takes at most 10^6 bytes per POST; chunks of 5,000 points with
    # ordinary names passed it (a wide model has thousands of results per run) and New
    # Relic refused the whole export every run
    results = [make_result("ok", 0.05, monitor="feature drift on the loans model",
                           column=f"feature_with_a_long_descriptive_name_{i:05d}") for i in range(6000)]
    (entry,) = export_results(all_channels, results, T0)
    assert entry["status"] == "sent" and entry["points"] == 6000
    bodies = [r.body for r in sinks.state.requests if r.path == "/metric/v1"]
    assert len(bodies) >= 2 and all(len(b) <= 1_000_000 for b in bodies)
    assert len(sinks.state.nr_metrics) == 6000
    assert len({p["attributes"]["column"] for p in sinks.state.nr_metrics}) == 6000


def test_newrelic_metric_points_new_relic_would_drop_are_reported_not_sent(sinks, all_channels) -> None:
    # New Relic accepts (202) metric points stamped more than 48 hours ago and drops them
    # later: a `run --at` of last week reported "sent 2 metric point(s)" that never arrived
    results = [make_result("alert", 0.31), make_result("ok", 0.05, column="age")]
    (old,) = export_results(all_channels, results, T0, now=T0 + timedelta(days=3))
    assert old["status"] == "failed" and "older than 48 hours" in old["error"] and old["points"] == 2
    assert [r for r in sinks.state.requests if r.path == "/metric/v1"] == []
    (fresh,) = export_results(all_channels, results, T0, now=T0 + timedelta(hours=6))
    assert fresh["status"] == "sent" and len(sinks.state.nr_metrics) == 2


@pytest.mark.parametrize("form", ["webhook", "bot"])
def test_slack_rate_limit_carries_its_retry_after(httpserver, form: str) -> None:
    """Slack answers its rate limit with 429 and Retry-After (a local stand-in: no test can
    reach Slack): the failure carries the wait, so the outbox does not try sooner."""
    from werkzeug import Response

    httpserver.expect_request("/hook").respond_with_response(
        Response("rate_limited", status=429, headers={"Retry-After": "30"}))
    httpserver.expect_request("/api/chat.postMessage").respond_with_response(
        Response('{"ok": false, "error": "ratelimited"}', status=429, content_type="application/json",
                 headers={"Retry-After": "30"}))
    cfg = ({"type": "slack", "webhook_url": httpserver.url_for("/hook")} if form == "webhook" else
           {"type": "slack", "bot_token": "xoxb-test", "channel": "#c", "api_url": httpserver.url_for("/api/")})
    with pytest.raises(DeliveryError) as err:
        build_channel("team", cfg).send(_message("firing"))
    assert err.value.status_code == 429 and err.value.retryable and err.value.retry_after == 30.0
