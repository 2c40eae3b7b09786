"""The webhook channel against a real HTTP peer; the channel registry."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from _alert_helpers import SECRET, T0, make_result, received
from werkzeug import Response

from telltale.alerts import AlertMessage, DeliveryError, build_channel, build_payload, canonical_json, send_test_alert
from telltale.alerts.channels import CHANNEL_TYPES, WebhookChannel
from telltale.errors import ChannelError, ConfigError


def _message(status: str = "firing") -> AlertMessage:
    payload = build_payload("al_abc", status, make_result(), fired_at=T0)
    return AlertMessage("al_abc", status, payload, canonical_json(payload))


def test_post_is_signed_and_carries_the_idempotency_key(httpserver, hook):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    msg = _message()
    hook.send(msg)
    (req,) = received(httpserver)
    raw = req.get_data()
    assert raw == msg.body
    expected = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(req.headers["X-Telltale-Signature"], f"sha256={expected}")
    assert req.headers["Idempotency-Key"] == "al_abc:firing"
    assert req.headers["Content-Type"] == "application/json"
    body = json.loads(raw)
    assert body["id"] == "al_abc" and body["status"] == "firing" and body["version"] == 1


def test_no_secret_means_no_signature_and_extra_headers_are_sent(httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("", status=204)
    ch = build_channel("plain", {"type": "webhook", "url": httpserver.url_for("/hook"),
                                 "headers": {"Authorization": "Bearer t", "Idempotency-Key": "mine"},
                                 "timeout": "5s"})
    ch.send(_message("resolved"))
    (req,) = received(httpserver)
    assert "X-Telltale-Signature" not in req.headers
    assert req.headers["Authorization"] == "Bearer t"
    assert req.headers["Idempotency-Key"] == "al_abc:resolved"       # telltale's header wins
    assert ch.timeout == 5.0


@pytest.mark.parametrize("status, retryable", [(500, True), (503, True), (429, True), (400, False), (404, False)])
def test_non_2xx_raises_a_channel_error_with_status_and_excerpt(httpserver, hook, status, retryable):
    httpserver.expect_request("/hook").respond_with_response(Response("nope " * 100, status=status))
    with pytest.raises(DeliveryError) as info:
        hook.send(_message())
    err = info.value
    assert isinstance(err, ChannelError)
    assert err.status_code == status and err.retryable is retryable and err.channel == "ops"
    assert f"HTTP {status}" in str(err) and "nope" in str(err) and len(str(err)) < 300


def test_unreachable_sink_raises_a_channel_error(closed_port_url):
    ch = build_channel("ops", {"type": "webhook", "url": closed_port_url})
    with pytest.raises(DeliveryError, match="could not deliver"):
        ch.send(_message())


def test_send_test_alert(httpserver, hook):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    send_test_alert(hook)
    (req,) = received(httpserver)
    body = json.loads(req.get_data())
    assert (body["status"], body["monitor"]) == ("firing", "telltale test")
    assert req.headers["Idempotency-Key"] == f"{body['id']}:firing"


def test_registry_is_a_table_and_builds_webhooks():
    assert set(CHANNEL_TYPES) == {"webhook", "slack", "jira", "newrelic", "pagerduty"}
    ch = build_channel("ops", {"type": "webhook", "url": "https://hooks.example/x", "secret": ""})
    assert isinstance(ch, WebhookChannel) and ch.secret is None and ch.name == "ops"


@pytest.mark.parametrize("cfg, match", [
    ({"type": "pager"}, "unknown channel type 'pager'"),
    ({"type": "webhook"}, "Field required"),
    ({"type": "webhook", "url": "ftp://x"}, "not an http"),
    ({"type": "webhook", "url": "https://x", "secrt": "a"}, "secrt.*[Ee]xtra"),
    ({"type": "webhook", "url": "https://x", "timeout": "soon"}, "timeout"),
])
def test_bad_channel_config(cfg, match):
    with pytest.raises(ConfigError, match=match):
        build_channel("ops", cfg)


def test_usable_channels_leaves_out_what_cannot_be_built():
    from telltale.alerts import usable_channels

    built, errors = usable_channels({"ops": {"type": "webhook", "url": "https://hooks.example/x"},
                                     "jira": {"type": "jira", "url": "https://jira.example"}})
    assert set(built) == {"ops"} and "Field required" in errors["jira"] and "alerts.jira.project" in errors["jira"]
    with pytest.raises(ConfigError):
        from telltale.alerts import build_channels
        build_channels({"jira": {"type": "jira"}})


def test_a_configured_header_in_another_letter_case_does_not_shadow_telltales(httpserver):
    # HTTP header names are case-insensitive: `idempotency-key: mine` used to go out as a
    # second Idempotency-Key line before telltale's (a receiver reading the first saw "mine"),
    # and a lowercase x-telltale-signature beside the real one
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    ch = build_channel("ops", {"type": "webhook", "url": httpserver.url_for("/hook"), "secret": SECRET,
                               "headers": {"idempotency-key": "mine", "content-type": "text/plain",
                                           "x-telltale-signature": "sha256=forged", "user-agent": "me/1",
                                           "X-Team": "ml"}})
    msg = _message()
    ch.send(msg)
    (req,) = received(httpserver)
    assert req.headers.getlist("Idempotency-Key") == ["al_abc:firing"]
    assert req.headers.getlist("Content-Type") == ["application/json"]
    assert req.headers.getlist("X-Telltale-Signature") == [
        "sha256=" + hmac.new(SECRET.encode(), msg.body, hashlib.sha256).hexdigest()]
    assert req.headers.getlist("User-Agent") == ["me/1"] and req.headers["X-Team"] == "ml"


def test_a_url_httpx_cannot_read_is_a_delivery_error_not_a_crash():
    # config refuses such URLs at load; a channel built in Python skips that check, and
    # `alerts test` then ended in "internal error: InvalidURL" (a traceback-class failure)
    with pytest.raises(DeliveryError, match="the URL is not valid") as info:
        WebhookChannel(name="ops", url="http://127.0.0.1:abc/hook").send(_message())
    assert info.value.retryable is False


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed_and_the_failure_says_so(httpserver, hook, status):
    httpserver.expect_request("/hook").respond_with_response(
        Response("", status=status, headers={"Location": httpserver.url_for("/elsewhere")}))
    httpserver.expect_request("/elsewhere").respond_with_data("ok")
    with pytest.raises(DeliveryError) as info:
        hook.send(_message())
    assert [r.path for r in received(httpserver, "/elsewhere")] == []
    assert f"HTTP {status}: a redirect, which telltale does not follow" in str(info.value)
    assert info.value.retryable is False
