"""The PagerDuty channel: Events API v2 (`POST /v2/enqueue`), one incident per alert.

A `firing` notice is a `trigger` event and a `resolved` notice a `resolve` event, both
with `dedup_key` = the alert id: PagerDuty folds repeats of a key into one incident, so a
notice sent twice (a crash between PagerDuty's answer and telltale's record) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from telltale.alerts.channels.base import AlertMessage, ChannelConfig, ChannelSpec, DeliveryError
from telltale.alerts.channels.http import call, host_of, json_of
from telltale.alerts.channels.text import title
from telltale.configbase.values import HttpUrl, Timeout, Token

REGION_URLS = {"us": "https://events.pagerduty.com", "eu": "https://events.eu.pagerduty.com"}
SEVERITY = {"high": "critical", "medium": "error", "low": "warning"}


class PagerDutyConfig(ChannelConfig):
    """Trigger and resolve PagerDuty incidents through an Events API v2 integration."""

    type: Literal["pagerduty"]
    routing_key: Token
    """The integration key of an Events API v2 integration of a service."""
    region: Literal["us", "eu"] = "us"
    endpoint: HttpUrl | None = None
    """Override the Events API base URL (tests, proxies); `/v2/enqueue` is appended."""
    timeout: Timeout = timedelta(seconds=10)


@dataclass
class PagerDutyChannel:
    """Sends trigger/resolve events with the alert id as dedup key."""

    name: str
    routing_key: str
    base_url: str
    timeout: float = 10.0
    grouped: bool = False
    update_every: timedelta | None = None
    resolve_test: bool = True
    type: str = "pagerduty"

    @classmethod
    def from_config(cls, name: str, cfg: PagerDutyConfig) -> PagerDutyChannel:
        """Build from a validated config."""
        return cls(name=name, routing_key=cfg.routing_key,
                   base_url=(cfg.endpoint or REGION_URLS[cfg.region]).rstrip("/"),
                   timeout=cfg.timeout.total_seconds())

    def event(self, message: AlertMessage) -> dict[str, Any]:
        """The Events API v2 body for one notice."""
        p = message.payload
        action = "resolve" if message.status == "resolved" else "trigger"
        body: dict[str, Any] = {"routing_key": self.routing_key, "event_action": action,
                                "dedup_key": message.alert_id}
        if action == "trigger":
            body["payload"] = {
                "summary": title(p, "firing")[:1024], "source": f"telltale/{p.get('model')}",
                "severity": SEVERITY.get(str(p.get("severity")), "error"),
                "component": str(p.get("model")), "group": str(p.get("monitor")),
                "class": str(p.get("type")), "timestamp": p.get("fired_at"),
                "custom_details": dict(p)}
            if message.dashboard_url:
                body["links"] = [{"href": message.dashboard_url, "text": "telltale dashboard"}]
        return body

    def send(self, message: AlertMessage) -> str | None:
        """POST the event; return the dedup key PagerDuty answered with."""
        url = f"{self.base_url}/v2/enqueue"
        where = f"pagerduty '{self.name}' ({host_of(url)})"
        answer = call(self.name, where, "POST", url, json_body=self.event(message), timeout=self.timeout)
        data = json_of(answer, self.name, where)
        if not isinstance(data, dict) or data.get("status") != "success":
            raise DeliveryError(f"{where} did not accept the event: {data}", channel=self.name)
        return str(data.get("dedup_key") or message.alert_id)


SPEC = ChannelSpec(PagerDutyConfig, PagerDutyChannel.from_config)
