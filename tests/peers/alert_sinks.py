"""Local peers of the alert APIs: one loopback HTTP server that speaks the routes telltale's
channels use, with the state a real service keeps, so tests go through the real client code.

- webhook: `POST /hook`; checks `X-Telltale-Signature` and processes each `Idempotency-Key`
  once (a repeat is answered 200 and dropped), as docs/alerts.md asks receivers to do;
- JIRA REST v2: `GET /rest/api/2/search` (JQL `labels = "..."`; `/search/jql` too, and with
  `jira_cloud` the old route answers 410 as Jira Cloud does), `POST /rest/api/2/issue`,
  `POST /rest/api/2/issue/KEY/comment`, `GET /rest/api/2/issue/KEY`,
  `GET|POST /rest/api/2/issue/KEY/transitions`;
- PagerDuty Events API v2: `POST /v2/enqueue` (one incident per open dedup key);
- Slack: an incoming webhook `POST /services/...` and `POST /api/chat.postMessage`;
- New Relic: the Event API `POST /v1/accounts/events` and the Metric API `POST /metric/v1`.

Faults for tests: `fail_next` (answer the next requests with these HTTP statuses), `reject`
(a function of the request: an HTTP status to answer it with, without its effect, or None), `delay`
(seconds before answering), `hold` (block a route's answer after its effect until released:
the window in which a test kills the sender), and `stop()`/`start()` (connection refused
in between, on the same port).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


@dataclass
class Request:
    """One request as the sink received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (form bodies as a dict of their fields)."""
        if self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return dict(urllib.parse.parse_qsl(self.body.decode()))
        return json.loads(self.body)


@dataclass
class Hold:
    """Blocks the answer of one route after its effect happened, until `release()`."""

    route: str
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        """Let the held answer go."""
        self.released.set()


@dataclass
class SinkState:
    """What the services behind the sink hold."""

    requests: list[Request] = field(default_factory=list)
    answered: int = 0                 # requests whose answer was written completely
    webhook_processed: dict[str, bytes] = field(default_factory=dict)
    webhook_repeats: list[str] = field(default_factory=list)
    bad_signatures: int = 0
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    pd_events: list[dict[str, Any]] = field(default_factory=list)
    slack: list[dict[str, Any]] = field(default_factory=list)
    nr_events: list[dict[str, Any]] = field(default_factory=list)
    nr_metrics: list[dict[str, Any]] = field(default_factory=list)


class AlertSinks:
    """The server; `url` is its base (`http://127.0.0.1:PORT`)."""

    def __init__(self, secret: str | None = None, slack_token: str = "xoxb-test",
                 api_key: str = "nr-key", routing_key: str = "pd-key") -> None:
        self.secret, self.slack_token, self.api_key, self.routing_key = secret, slack_token, api_key, routing_key
        self.state = SinkState()
        self.fail_next: list[int] = []
        self.reject: Callable[[Request], int | None] | None = None
        self.delay = 0.0
        self.hold: Hold | None = None
        self.jira_cloud = False          # True: /rest/api/2/search answers 410, as Jira Cloud does
        self.lock = threading.Lock()
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen (again, on the same port after a stop)."""
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                sink._handle(self, "GET")

            def do_POST(self) -> None:
                sink._handle(self, "POST")

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening: connections are refused until `start()`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- dispatch ----------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urllib.parse.urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        req = Request(method, parsed.path, dict(urllib.parse.parse_qsl(parsed.query)),
                      {k.lower(): v for k, v in h.headers.items()}, h.rfile.read(length))
        with self.lock:
            self.state.requests.append(req)
            fail = self.fail_next.pop(0) if self.fail_next else None
            if fail is None and self.reject is not None:
                fail = self.reject(req)
        if self.delay:
            time.sleep(self.delay)
        if fail is not None:
            return self._answer(h, fail, {"error": f"injected HTTP {fail}"})
        with self.lock:
            status, body = self._route(req)
        hold = self.hold
        if hold is not None and re.fullmatch(hold.route, f"{method} {req.path}"):
            hold.reached.set()
            hold.released.wait(60)
        self._answer(h, status, body)

    def _answer(self, h: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json" if not isinstance(body, bytes) else "text/plain")
            h.send_header("Content-Length", str(len(raw)))
            h.end_headers()
            h.wfile.write(raw)
            h.wfile.flush()
        except OSError:          # the client went away (timed out or was killed)
            return
        with self.lock:
            self.state.answered += 1

    def _route(self, req: Request) -> tuple[int, Any]:
        p, m = req.path, req.method
        if p == "/hook" and m == "POST":
            return self._webhook(req)
        if p.startswith("/rest/api/2/"):
            if not req.headers.get("authorization", "").startswith(("Basic ", "Bearer ")):
                return 401, {"errorMessages": ["not logged in"]}
            return self._jira(req, p[len("/rest/api/2"):])
        if p == "/v2/enqueue" and m == "POST":
            return self._pagerduty(req)
        if p.startswith("/services/") and m == "POST":
            self.state.slack.append({"via": "webhook", **req.json()})
            return 200, b"ok"
        if p == "/api/chat.postMessage" and m == "POST":
            if req.headers.get("authorization") != f"Bearer {self.slack_token}":
                return 200, {"ok": False, "error": "invalid_auth"}
            ts = f"1700000000.{len(self.state.slack):06d}"
            self.state.slack.append({"via": "bot", "ts": ts, **req.json()})
            return 200, {"ok": True, "channel": "C1", "ts": ts}
        if p == "/v1/accounts/events" and m == "POST":
            if req.headers.get("api-key") != self.api_key:
                return 403, {"success": False}
            self.state.nr_events.extend(req.json())
            return 202, {"success": True, "uuid": "u"}
        if p == "/metric/v1" and m == "POST":
            if req.headers.get("api-key") != self.api_key:
                return 403, {}
            for block in req.json():
                self.state.nr_metrics.extend(block["metrics"])
            return 202, {"requestId": "r"}
        return 404, {"error": f"no route {m} {p}"}

    def _webhook(self, req: Request) -> tuple[int, Any]:
        if self.secret is not None:
            expected = "sha256=" + hmac.new(self.secret.encode(), req.body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(req.headers.get("x-telltale-signature", ""), expected):
                self.state.bad_signatures += 1
                return 401, {"error": "bad signature"}
        key = req.headers.get("idempotency-key", "")
        if key in self.state.webhook_processed:
            self.state.webhook_repeats.append(key)
        else:
            self.state.webhook_processed[key] = req.body
        return 200, b"ok"

    def _jira(self, req: Request, p: str) -> tuple[int, Any]:
        st = self.state
        if p == "/search" and self.jira_cloud:
            return 410, {"errorMessages": ["The requested API has been removed. Please migrate to /search/jql"]}
        if p in ("/search", "/search/jql") and req.method == "GET":
            found = re.search(r'labels = "([^"]+)"', req.query.get("jql", ""))
            hits = [k for k, i in st.issues.items() if found and found.group(1) in i["fields"]["labels"]]
            limit = int(req.query.get("maxResults", "50"))
            return 200, {"total": len(hits), "issues": [{"key": k, "fields": {"status": st.issues[k]["status"]}}
                                                        for k in hits[:limit]]}
        if p == "/issue" and req.method == "POST":
            fields = req.json()["fields"]
            key = f"{fields['project']['key']}-{len(st.issues) + 1}"
            st.issues[key] = {"fields": fields, "comments": [], "transitions": [],
                              "status": {"name": "To Do", "statusCategory": {"key": "new"}}}
            return 201, {"id": str(len(st.issues)), "key": key, "self": f"{self.url}/rest/api/2/issue/{key}"}
        found = re.fullmatch(r"/issue/([A-Z]+-\d+)(/comment|/transitions)?", p)
        if not found or found.group(1) not in st.issues:
            return 404, {"errorMessages": ["Issue does not exist"]}
        issue, sub = st.issues[found.group(1)], found.group(2)
        if sub is None and req.method == "GET":
            return 200, {"key": found.group(1), "fields": {"status": issue["status"]}}
        if sub == "/comment" and req.method == "POST":
            issue["comments"].append(req.json()["body"])
            return 201, {"id": str(len(issue["comments"]))}
        if sub == "/transitions" and req.method == "GET":
            done = issue["status"]["statusCategory"]["key"] == "done"
            return 200, {"transitions": [] if done else [{"id": "31", "name": "Done", "to": {"name": "Done"}}]}
        if sub == "/transitions" and req.method == "POST":
            if req.json()["transition"]["id"] != "31":
                return 400, {"errorMessages": ["no such transition"]}
            issue["transitions"].append("31")
            issue["status"] = {"name": "Done", "statusCategory": {"key": "done"}}
            return 204, b""
        return 405, {"errorMessages": ["method not allowed"]}

    def _pagerduty(self, req: Request) -> tuple[int, Any]:
        event = req.json()
        if event.get("routing_key") != self.routing_key:
            return 400, {"status": "invalid event", "message": "Event object is invalid",
                         "errors": ["routing_key is invalid"]}
        key, action = event.get("dedup_key"), event.get("event_action")
        self.state.pd_events.append(event)
        incident = self.state.incidents.get(key)
        if action == "trigger" and (incident is None or incident["status"] == "resolved"):
            if incident is None:
                self.state.incidents[key] = {"status": "triggered", "summary": event["payload"]["summary"],
                                             "triggers": 1, "resolves": 0}
            else:
                incident.update(status="triggered", triggers=incident["triggers"] + 1)
        elif action == "resolve" and incident is not None and incident["status"] != "resolved":
            incident.update(status="resolved", resolves=incident["resolves"] + 1)
        return 202, {"status": "success", "message": "Event processed", "dedup_key": key}
