"""The JIRA channel: REST API v2 over httpx, one issue per alert.

- `firing`: look for an issue labelled `telltale-<alert id>` first (JQL search); create one
  only when there is none. A crash between JIRA's create and telltale's record therefore
  never makes a second issue: the retry finds the first one.
- `update` (new evidence while the alert stays open): a comment on that issue.
- `resolved`: a comment and, with `resolve_transition`, that workflow transition (skipped
  when the issue is already in a done status).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from telltale.alerts.channels.base import AlertMessage, ChannelConfig, ChannelSpec, DeliveryError
from telltale.alerts.channels.http import call, host_of, json_of
from telltale.alerts.channels.text import details, number, title
from telltale.configbase.values import Duration, HttpUrl, Name, Timeout, Token

API = "/rest/api/2"
LABEL_PREFIX = "telltale-"
Severity = Literal["low", "medium", "high"]
DEFAULT_PRIORITIES: dict[Severity, str] = {"high": "High", "medium": "Medium", "low": "Low"}
BIG_ANSWER = 256 * 1024


def _label(value: str) -> str:
    # JIRA answers 400 to a label with a space, which would fail every firing notice
    if not value or any(c.isspace() for c in value) or len(value) > 255:
        raise ValueError(f"'{value}' is not a JIRA label: one word without spaces (at most 255 "
                         "characters), e.g. ml-monitoring")
    return value


Label = Annotated[str, AfterValidator(_label)]


class JiraConfig(ChannelConfig):
    """Open one JIRA issue per alert, comment on it while it stays open, close it on resolve."""

    type: Literal["jira"]
    url: HttpUrl
    project: Name
    token: Token
    """An API token (Jira Cloud, with `user`) or a personal access token (Server/Data Center)."""
    user: Name | None = None
    """The account's e-mail (Jira Cloud: basic auth with the token); leave out for a bearer PAT."""
    issue_type: Name = "Bug"
    labels: tuple[Label, ...] = ()
    priorities: dict[Severity, Name] = Field(
        default_factory=lambda: dict(DEFAULT_PRIORITIES))
    """JIRA priority name per severity; `{}` sends no priority."""
    resolve_transition: Name | None = None
    """The workflow transition to apply on resolve (e.g. Done); none: comment only."""
    update_every: Duration = timedelta(days=1)
    """While an alert stays open, new evidence goes in as a comment at most this often (0: every run)."""
    timeout: Timeout = timedelta(seconds=15)


def label_of(alert_id: str) -> str:
    """The label that marks an alert's issue (what the lookup searches for)."""
    return LABEL_PREFIX + alert_id


@dataclass
class JiraChannel:
    """Creates, comments on and transitions issues through JIRA's REST API v2."""

    name: str
    url: str
    project: str
    token: str
    user: str | None = None
    issue_type: str = "Bug"
    labels: tuple[str, ...] = ()
    priorities: dict[str, str] = field(default_factory=dict)
    resolve_transition: str | None = None
    timeout: float = 15.0
    grouped: bool = False
    update_every: timedelta | None = timedelta(days=1)
    type: str = "jira"

    @classmethod
    def from_config(cls, name: str, cfg: JiraConfig) -> JiraChannel:
        """Build from a validated config."""
        return cls(name=name, url=cfg.url.rstrip("/"), project=cfg.project, token=cfg.token, user=cfg.user,
                   issue_type=cfg.issue_type, labels=tuple(cfg.labels), priorities={str(k): v for k, v in cfg.priorities.items()},
                   resolve_transition=cfg.resolve_transition, timeout=cfg.timeout.total_seconds(),
                   update_every=cfg.update_every)

    @property
    def _where(self) -> str:
        return f"jira '{self.name}' ({host_of(self.url)})"

    def _auth(self) -> dict[str, str]:
        if self.user:
            raw = base64.b64encode(f"{self.user}:{self.token}".encode("utf-8")).decode("ascii")
            return {"Authorization": f"Basic {raw}", "Accept": "application/json"}
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}

    def _call(self, method: str, path: str, *, json_body: Any = None,
              params: dict[str, str] | None = None) -> Any:
        answer = call(self.name, self._where, method, self.url + API + path, headers=self._auth(),
                      json_body=json_body, params=params, timeout=self.timeout, max_bytes=BIG_ANSWER)
        return json_of(answer, self.name, self._where) if answer.text.strip() else None

    def find_issue(self, alert_id: str) -> str | None:
        """The key of the issue labelled for this alert, or None."""
        jql = f'project = "{self.project}" AND labels = "{label_of(alert_id)}" ORDER BY created ASC'
        params = {"jql": jql, "fields": "status", "maxResults": "1"}
        try:
            data = self._call("GET", "/search", params=params)
        except DeliveryError as exc:       # Jira Cloud retired /search for /search/jql
            if exc.status_code not in (404, 410):
                raise
            data = self._call("GET", "/search/jql", params=params)
        issues = (data or {}).get("issues") or []
        return str(issues[0].get("key") or issues[0]["id"]) if issues else None

    def issue_fields(self, message: AlertMessage) -> dict[str, Any]:
        """The `fields` of a new issue: project, type, summary, description, labels, priority."""
        p = message.payload
        fields: dict[str, Any] = {
            "project": {"key": self.project}, "issuetype": {"name": self.issue_type},
            "summary": title(p, "firing")[:250], "description": description(message),
            "labels": [*self.labels, label_of(message.alert_id)]}
        priority = self.priorities.get(str(p.get("severity")))
        if priority:
            fields["priority"] = {"name": priority}
        return fields

    def send(self, message: AlertMessage) -> str | None:
        """Create (after a lookup), comment or resolve; return the issue key."""
        key = message.ref or self.find_issue(message.alert_id)
        if message.status == "firing":
            if key is None:
                data = self._call("POST", "/issue", json_body={"fields": self.issue_fields(message)})
                key = str((data or {}).get("key") or "")
                if not key:
                    raise DeliveryError(f"{self._where}: the create answer has no issue key: {data}",
                                        channel=self.name)
            return key
        if key is None:
            raise DeliveryError(f"{self._where}: no issue labelled {label_of(message.alert_id)} in project "
                                f"{self.project} to comment on; was it deleted or moved?",
                                channel=self.name, retryable=False)
        self._call("POST", f"/issue/{key}/comment", json_body={"body": comment(message)})
        if message.status == "resolved" and self.resolve_transition:
            self._transition(key)
        return key

    def _transition(self, key: str) -> None:
        wanted = str(self.resolve_transition).lower()
        issue = self._call("GET", f"/issue/{key}", params={"fields": "status"}) or {}
        status = (issue.get("fields") or {}).get("status") or {}
        if str(status.get("name", "")).lower() == wanted or (status.get("statusCategory") or {}).get("key") == "done":
            return
        found = self._call("GET", f"/issue/{key}/transitions") or {}
        for t in found.get("transitions") or []:
            if str(t.get("name", "")).lower() == wanted or str((t.get("to") or {}).get("name", "")).lower() == wanted:
                self._call("POST", f"/issue/{key}/transitions", json_body={"transition": {"id": str(t["id"])}})
                return
        names = ", ".join(str(t.get("name")) for t in found.get("transitions") or []) or "none"
        raise DeliveryError(f"{self._where}: issue {key} has no transition '{self.resolve_transition}' "
                            f"(available: {names}); fix `resolve_transition`", channel=self.name,
                            retryable=False)


def description(message: AlertMessage) -> str:
    """The issue description: what fired, the evidence, and a dashboard link."""
    lines = [f"*{title(message.payload, 'firing')}*", ""]
    lines += [f"* *{k}*: {v}" for k, v in details(message.payload, message.dashboard_url)]
    lines += ["", f"telltale keeps this issue up to date (label {label_of(message.alert_id)})."]
    return "\n".join(lines)


def comment(message: AlertMessage) -> str:
    """The comment for an update (new evidence) or a resolve."""
    p = message.payload
    if message.status == "resolved":
        head = f"Resolved: {p.get('metric')} = {number(p.get('value'))} is back within the threshold."
    else:
        head = f"Still firing: {p.get('metric')} = {number(p.get('value'))} in the latest window."
    lines = [head, ""] + [f"* *{k}*: {v}" for k, v in details(p, message.dashboard_url)]
    return "\n".join(lines + ["", f"(telltale notice {message.idempotency_key})"])


SPEC = ChannelSpec(JiraConfig, JiraChannel.from_config)
