"""A channel whose keys could never deliver is a config error at its line, not a notice that
fails on every run: URLs that cannot be requested, webhook headers that cannot be sent, a
New Relic event type the Event API silently drops."""

from __future__ import annotations

import pytest
from test_config_errors import BASE, one

from telltale.alerts.channels.webhook import header_problem

OPS = '  ops: {type: webhook, url: "http://127.0.0.1:9/hook"}'


@pytest.mark.parametrize("channel, key, hint", [
    ('{type: webhook, url: "https://hooks example/x"}', "alerts.ops.url", "contains a space"),
    ('{type: webhook, url: "http://"}', "alerts.ops.url", "it has no host"),
    ('{type: webhook, url: "http://:8080/hook"}', "alerts.ops.url", "it has no host"),
    ('{type: webhook, url: "http://127.0.0.1:abc/hook"}', "alerts.ops.url", "its port is not a number"),
    ('{type: webhook, url: "http://127.0.0.1:99999/hook"}', "alerts.ops.url", "its port is not a number"),
    ('{type: webhook, url: "http://[::1/hook"}', "alerts.ops.url", "it cannot be read as a URL"),
    ('{type: slack, webhook_url: "https://hooks.slack.com:x/services/T/B/X"}', "alerts.ops.webhook_url",
     "its port is not a number"),
    ('{type: jira, url: "https://", project: ML, token: t}', "alerts.ops.url", "it has no host"),
    ('{type: pagerduty, routing_key: k, endpoint: "http://pd example"}', "alerts.ops.endpoint", "contains a space"),
])
def test_a_url_that_cannot_be_requested_is_refused_at_its_line(error, channel, key, hint) -> None:
    msg = one(error(BASE.replace(OPS, f"  ops: {channel}")))
    assert msg.startswith("telltale.yml:16:") and f": {key}: " in msg and hint in msg, msg


@pytest.mark.parametrize("headers, hint", [
    ('{"X Team": ml}', "'X Team' is not an HTTP header name"),
    ('{"X-Team:": ml}', "is not an HTTP header name"),
    ('{X-Team: "équipe"}', "must be printable ASCII"),
    ('{X-Team: "a\\r\\nX-Injected: 1"}', "must be printable ASCII"),
])
def test_webhook_headers_that_cannot_be_sent_as_written_are_refused(error, headers, hint) -> None:
    # before: all were accepted, then every delivery failed (a non-ASCII value with a bare
    # UnicodeEncodeError, a bad name with httpx's "Illegal header name"), run after run
    msg = one(error(BASE.replace(OPS, f'  ops: {{type: webhook, url: "http://127.0.0.1:9/hook", headers: {headers}}}')))
    assert msg.startswith("telltale.yml:16:") and "alerts.ops.headers" in msg and hint in msg, msg


def test_usual_headers_and_urls_still_load(parse) -> None:
    cfg = parse(BASE.replace(OPS, '  ops: {type: webhook, url: "https://user:pw@[::1]:8443/h?x=1", '
                                  'headers: {X-Team: ml, Authorization: "Bearer abc", User-Agent: me/1}}')).config
    assert cfg.alerts["ops"].headers == {"X-Team": "ml", "Authorization": "Bearer abc", "User-Agent": "me/1"}
    assert header_problem("X-Api_Key.v2", "a\tb ~") is None


@pytest.mark.parametrize("event_type, hint", [
    ('"Telltale Alert"', "is not a New Relic event type"),
    ("Telltale-Alert", "is not a New Relic event type"),
    ("Metric", "New Relic forbids"),
    ("Public_Alerts", "New Relic forbids"),
])
def test_a_new_relic_event_type_the_event_api_would_drop_is_refused(error, event_type, hint) -> None:
    # the Event API answers 202 for such events and drops them later (NrIntegrationError):
    # accepted, every alert event would be lost with every delivery reported `sent`
    msg = one(error(BASE.replace(OPS, f"  ops: {{type: newrelic, license_key: k, event_type: {event_type}}}")))
    assert msg.startswith("telltale.yml:16:") and "alerts.ops.event_type" in msg and hint in msg, msg


def test_new_relic_event_types_of_the_allowed_characters_load(parse) -> None:
    cfg = parse(BASE.replace(OPS, "  ops: {type: newrelic, license_key: k, event_type: 'ml:Telltale_Alert2'}")).config
    assert cfg.alerts["ops"].event_type == "ml:Telltale_Alert2"


def test_a_jira_label_with_a_space_is_refused(error, parse) -> None:
    # JIRA answers 400 ("contains spaces which is invalid") to such a label on create: every
    # firing notice to the channel failed and stayed pending
    jira = '  ops: {type: jira, url: "https://acme.atlassian.net", project: ML, token: t, labels: [%s]}'
    msg = one(error(BASE.replace(OPS, jira % '"ml team"')))
    assert msg.startswith("telltale.yml:16:") and "alerts.ops.labels[0]" in msg and "without spaces" in msg, msg
    assert parse(BASE.replace(OPS, jira % "ml-team, telltale")).config.alerts["ops"].labels == ("ml-team", "telltale")


@pytest.mark.parametrize("channel, key", [
    ('{type: newrelic, license_key: "${NR_KEY}"}', "alerts.ops.license_key"),
    ('{type: jira, url: "https://acme.atlassian.net", project: ML, token: "${NR_KEY}"}', "alerts.ops.token"),
    ('{type: slack, bot_token: "${NR_KEY}", channel: "#ml"}', "alerts.ops.bot_token"),
    ('{type: pagerduty, routing_key: "${NR_KEY}"}', "alerts.ops.routing_key"),
])
def test_a_key_with_a_trailing_newline_is_refused_without_showing_it(error, channel, key) -> None:
    # a secret read from a file often ends with a newline; sent in a header, h11 refused it
    # with "Illegal header value b'<the key>\n'", which became the notice's error, printed
    # by run and alerts list
    err = error(BASE.replace(OPS, f"  ops: {channel}"), env={"NR_KEY": "NRSECRET0123\n"})
    msg = one(err)
    assert msg.startswith("telltale.yml:16:") and key in msg and "without spaces or line breaks" in msg, msg
    assert "NRSECRET0123" not in msg
