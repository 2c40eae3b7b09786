"""A webhook's `timeout` bounds the whole request, even against a peer that trickles bytes."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

import pytest
from _alert_helpers import FAST, T0, make_result

from telltale.alerts import AlertMessage, AlertPolicy, DeliveryError, apply_results, build_channel, build_payload
from telltale.alerts import canonical_json, deliver_pending
from telltale.alerts.channels import bounded

STEP_S = 0.05          # one byte every 50 ms: each read is quick, the whole answer never is
TRICKLE_BYTES = 400    # bounds the server to 20 s even if the client never gave up


@dataclass
class TrickleServer:
    """A loopback HTTP peer that reads one request, then answers one byte at a time."""

    mode: str                          # "headers": trickle the status line; "body": trickle the body
    sock: socket.socket = field(default_factory=socket.socket)
    sent: int = 0
    closed_by_peer: bool = False
    finished: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(10)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"

    def _answer(self) -> bytes:
        if self.mode == "headers":
            return b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * TRICKLE_BYTES
        return (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % TRICKLE_BYTES) + b"x" * TRICKLE_BYTES

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            self.finished.set()
            return
        with conn:
            conn.settimeout(10)
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(65536)
                if not chunk:
                    self.finished.set()
                    return
                request += chunk
            answer = self._answer()
            head = 0 if self.mode == "headers" else answer.index(b"\r\n\r\n") + 4
            try:
                if head:
                    conn.sendall(answer[:head])
                for i in range(head, len(answer)):
                    conn.sendall(answer[i:i + 1])
                    self.sent += 1
                    time.sleep(STEP_S)
            except OSError:                 # the client closed the connection
                self.closed_by_peer = True
        self.finished.set()

    def close(self) -> None:
        if not self.finished.is_set() and self.sent == 0:   # never contacted: unblock accept()
            try:
                socket.create_connection(self.sock.getsockname(), timeout=1).close()
            except OSError:
                pass
        self.sock.close()
        self.thread.join(timeout=TRICKLE_BYTES * STEP_S + 5)


@pytest.fixture(params=["headers", "body"])
def trickle(request: pytest.FixtureRequest):
    server = TrickleServer(request.param)
    yield server
    server.close()


def _message() -> AlertMessage:
    payload = build_payload("al_abc", "firing", make_result(), fired_at=T0)
    return AlertMessage("al_abc", "firing", payload, canonical_json(payload))


def test_a_trickling_webhook_fails_with_a_timeout_and_its_connection_is_closed(trickle) -> None:
    hook = build_channel("slow", {"type": "webhook", "url": trickle.url, "timeout": 0.5})
    with pytest.raises(DeliveryError, match=r"timed out: no complete answer within 0.5s") as info:
        hook.send(_message())
    assert info.value.channel == "slow" and info.value.retryable
    assert trickle.finished.wait(TRICKLE_BYTES * STEP_S + 5)
    assert trickle.closed_by_peer                    # telltale hung up, the server did not finish
    assert trickle.sent < TRICKLE_BYTES


@pytest.mark.parametrize("how", ["webhook_url", "bot"])
def test_a_trickling_slack_peer_fails_with_a_timeout_and_its_connection_is_closed(trickle, how: str) -> None:
    """Slack (slack_sdk's async client) is under the same total deadline as a webhook: its
    own timeout bounds each read only, which a peer trickling bytes never trips."""
    cfg: dict = ({"webhook_url": trickle.url} if how == "webhook_url" else
                 {"bot_token": "xoxb-test", "channel": "C1", "api_url": trickle.url.rsplit("/", 1)[0] + "/"})
    chan = build_channel("slow", {"type": "slack", "timeout": 0.5, **cfg})
    with pytest.raises(DeliveryError, match=r"timed out: no complete answer within 0.5s") as info:
        chan.send(_message())
    assert info.value.channel == "slow" and info.value.retryable
    assert trickle.finished.wait(TRICKLE_BYTES * STEP_S + 5)
    assert trickle.closed_by_peer and trickle.sent < TRICKLE_BYTES


def test_a_trickled_notice_stays_pending_with_the_timeout_as_its_error(store, trickle) -> None:
    hook = build_channel("slow", {"type": "webhook", "url": trickle.url, "timeout": 0.5})
    apply_results(store, [make_result()], {"feature drift": AlertPolicy.of(["slow"])}, run_id="r1", now=T0)
    settings = FAST.__class__(**{**FAST.__dict__, "attempts": 1})
    report = deliver_pending(store, {"slow": hook}, now=T0, settings=settings)
    assert report.sent_total == 0 and report.failed["slow"] == 1
    (row,) = store.pending_outbox()
    assert row.attempts == 1 and "no complete answer within 0.5s" in (row.last_error or "")
    assert trickle.finished.wait(TRICKLE_BYTES * STEP_S + 5) and trickle.closed_by_peer


def test_the_deadline_cancels_any_slow_step() -> None:
    """run_with_deadline cancels the coroutine itself (nothing is left running) and says why."""
    import asyncio

    state = {"cancelled": False}

    async def slow() -> int:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            state["cancelled"] = True
            raise
        return 1

    async def quick() -> int:
        return 7

    with pytest.raises(bounded.DeadlineExceeded, match="within 0.05s"):
        bounded.run_with_deadline(slow, 0.05)
    assert state["cancelled"]
    assert bounded.run_with_deadline(quick, 1.0) == 7


def test_the_deadline_also_works_inside_a_running_event_loop() -> None:
    """From code that already runs an event loop (a server), the request runs on a worker thread."""
    import asyncio

    async def quick() -> str:
        return "ok"

    async def caller() -> str:
        return bounded.run_with_deadline(quick, 1.0)

    assert asyncio.run(caller()) == "ok"


def test_only_the_start_of_a_big_or_oddly_encoded_error_answer_is_read(httpserver) -> None:
    from werkzeug import Response

    httpserver.expect_request("/hook").respond_with_response(
        Response("é" * 100_000, status=500, headers={"Content-Type": "text/plain; charset=no-such-codec"}))
    answer = bounded.post(httpserver.url_for("/hook"), b"{}", {}, total_timeout=5)
    assert answer.status_code == 500
    assert 0 < len(answer.text.encode("utf-8")) <= bounded.MAX_BODY_BYTES + 4
    assert set(answer.text) <= {"é", "\ufffd"}
