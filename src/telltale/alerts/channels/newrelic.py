"""The New Relic channel: one Event API event per alert notice, and optionally every result
of a run as `telltale.metric_value` gauge points through the Metric API (`metrics: true`).

Both APIs take the license key in the `Api-Key` header (as the New Relic Telemetry SDK
sends it); `region: eu` uses New Relic's EU endpoints.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Mapping, Sequence

from pydantic import field_validator

from telltale.alerts.channels.base import AlertMessage, ChannelConfig, ChannelSpec, DeliveryError
from telltale.alerts.channels.http import call, host_of
from telltale.configbase.values import HttpUrl, Name, Timeout, Token

EVENT_URLS = {"us": "https://insights-collector.newrelic.com/v1/accounts/events",
              "eu": "https://insights-collector.eu01.nr-data.net/v1/accounts/events"}
METRIC_URLS = {"us": "https://metric-api.newrelic.com/metric/v1",
               "eu": "https://metric-api.eu.newrelic.com/metric/v1"}
METRIC_NAME = "telltale.metric_value"
EVENT_TYPE = "TelltaleAlert"
MAX_POINTS = 5000                    # points per Metric API request
MAX_BYTES = 900_000                  # body size per request (the Metric API takes at most 10^6 bytes)
MAX_AGE, MAX_AHEAD = timedelta(hours=48), timedelta(hours=24)     # what the Metric API keeps


class NewRelicConfig(ChannelConfig):
    """Send alert notices as New Relic events; with `metrics: true`, every result as a metric."""

    type: Literal["newrelic"]
    license_key: Token
    region: Literal["us", "eu"] = "us"
    metrics: bool = False
    """Also export every result of a run as `telltale.metric_value` gauge points."""
    event_type: Name = EVENT_TYPE
    endpoint: HttpUrl | None = None
    """Override the Event API URL (tests, FedRAMP)."""
    metric_endpoint: HttpUrl | None = None
    """Override the Metric API URL (tests, FedRAMP)."""
    timeout: Timeout = timedelta(seconds=10)

    @field_validator("event_type")
    @classmethod
    def _event_type_name(cls, value: str) -> str:
        # the Event API answers 200 for any body and drops an event of a bad type later (only
        # NrIntegrationError shows it): such a name would lose every event without a failure
        if not re.fullmatch(r"[A-Za-z0-9:_]{1,255}", value):
            raise ValueError(f"'{value}' is not a New Relic event type: use letters, digits, _ and : "
                             "(at most 255), e.g. TelltaleAlert")
        if re.match(r"Metric(Raw$|[0-9]|$)|Public_", value):
            raise ValueError(f"'{value}' is an event type New Relic forbids (Metric, MetricRaw, Metric<digit>..., "
                             "Public_...); use e.g. TelltaleAlert")
        return value


@dataclass(frozen=True)
class MetricPoint:
    """One result as a metric point (what `export_metrics` sends)."""

    value: float
    timestamp: datetime
    attributes: Mapping[str, str]


@dataclass
class NewRelicChannel:
    """Posts events (alerts) and gauge points (results) to New Relic."""

    name: str
    license_key: str
    event_url: str
    metric_url: str
    metrics: bool = False
    event_type: str = EVENT_TYPE
    timeout: float = 10.0
    grouped: bool = False
    update_every: timedelta | None = None
    type: str = "newrelic"

    @classmethod
    def from_config(cls, name: str, cfg: NewRelicConfig) -> NewRelicChannel:
        """Build from a validated config."""
        return cls(name=name, license_key=cfg.license_key, event_url=cfg.endpoint or EVENT_URLS[cfg.region],
                   metric_url=cfg.metric_endpoint or METRIC_URLS[cfg.region], metrics=cfg.metrics,
                   event_type=cfg.event_type, timeout=cfg.timeout.total_seconds())

    def _headers(self) -> dict[str, str]:
        return {"Api-Key": self.license_key, "Content-Type": "application/json"}

    def event(self, message: AlertMessage) -> dict[str, Any]:
        """The event of one notice: the payload's fields flattened (New Relic takes scalars only)."""
        out: dict[str, Any] = {"eventType": self.event_type, "idempotencyKey": message.idempotency_key}
        for k, v in message.payload.items():
            if isinstance(v, (dict, list)):
                if k in ("window", "baseline") and isinstance(v, dict):
                    out[f"{k}Start"], out[f"{k}End"] = v.get("start"), v.get("end")
                else:
                    out[k] = json.dumps(v, sort_keys=True, separators=(",", ":"))
            elif v is not None:
                out["alertId" if k == "id" else k] = v
        out["status"] = message.status
        if message.dashboard_url:
            out["dashboardUrl"] = message.dashboard_url
        return out

    def send(self, message: AlertMessage) -> str | None:
        """POST one event to the Event API."""
        call(self.name, f"newrelic '{self.name}' ({host_of(self.event_url)})", "POST", self.event_url,
             headers=self._headers(), json_body=[self.event(message)], timeout=self.timeout)
        return None

    def export_metrics(self, points: Sequence[MetricPoint], now: datetime | None = None) -> int:
        """POST the points to the Metric API in chunks (at most MAX_POINTS points and MAX_BYTES
        of body each); return how many were sent.

        New Relic accepts such a request and then drops points stamped more than 48 hours
        before `now` or 24 hours after it: those raise DeliveryError instead of being sent."""
        where = f"newrelic '{self.name}' ({host_of(self.metric_url)})"
        if now is not None:
            stamps = [p.timestamp for p in points]
            if stamps and (min(stamps) < now - MAX_AGE or max(stamps) > now + MAX_AHEAD):
                raise DeliveryError(
                    f"{where}: not sent: the points are stamped at the run's --at ({min(stamps):%Y-%m-%d %H:%M} UTC), "
                    "and New Relic drops metric points older than 48 hours or more than 24 hours ahead",
                    channel=self.name, retryable=False)
        for chunk in metric_chunks(points):
            body = [{"common": {"attributes": {"service.name": "telltale"}}, "metrics": chunk}]
            call(self.name, where, "POST", self.metric_url, headers=self._headers(), json_body=body,
                 timeout=self.timeout)
        return len(points)


def metric_chunks(points: Sequence[MetricPoint]) -> list[list[dict[str, Any]]]:
    """The Metric API points, cut so that no request body passes MAX_POINTS or MAX_BYTES."""
    chunks: list[list[dict[str, Any]]] = [[]]
    size = 0
    for p in points:
        point = {"name": METRIC_NAME, "type": "gauge", "value": p.value,
                 "timestamp": int(p.timestamp.timestamp() * 1000), "attributes": dict(p.attributes)}
        n = len(json.dumps(point, separators=(",", ":"))) + 1
        if chunks[-1] and (len(chunks[-1]) >= MAX_POINTS or size + n > MAX_BYTES):
            chunks.append([])
            size = 0
        chunks[-1].append(point)
        size += n
    return chunks if chunks[-1] else []


SPEC = ChannelSpec(NewRelicConfig, NewRelicChannel.from_config)
