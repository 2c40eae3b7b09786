"""Helpers shared by the alerts tests: times, MonitorResults, fast retry settings."""

from __future__ import annotations

from telltale.alerts import build_channel

from datetime import datetime, timedelta, timezone
from typing import Any

from telltale.alerts import RetrySettings
from telltale.core.results import MonitorResult
from telltale.core.timeutil import TimeRange

UTC = timezone.utc
T0 = datetime(2026, 3, 13, 6, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SECRET = "s3cr3t"
FAST = RetrySettings(attempts=3, initial_wait=0.01, max_wait=0.05, max_seconds=2.0,
                     requeue_base=timedelta(minutes=1), requeue_max=timedelta(minutes=10))


def make_result(status: str = "alert", value: float | None = 0.31, *, monitor: str = "feature drift",
                column: str | None = "income", segment: dict[str, Any] | None = None,
                severity: str = "high", at: datetime = T0) -> MonitorResult:
    """A data-drift result for the focal day before `at`."""
    end = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return MonitorResult(
        monitor=monitor, model="credit", type="data_drift", column=column, segment=segment,
        metric="psi", value=value, threshold={"max": 0.2}, status=status, severity=severity,  # type: ignore[arg-type]
        window=TimeRange(end - DAY, end), baseline=TimeRange(end - 29 * DAY, end - DAY),
        message=f"psi of {column} is {value}")



def received(httpserver, path: str = "/hook") -> list:
    """The requests the test server received on `path`, in order."""
    return [req for req, _ in httpserver.log if req.path == path]


def channels_at(sinks, **extra):
    """name -> channel for every type, at the sinks' base URL."""
    base = sinks.url
    cfgs = {
        "ops": {"type": "webhook", "url": f"{base}/hook", "secret": SECRET, "timeout": 5},
        "tickets": {"type": "jira", "url": base, "project": "ML", "user": "bot@acme.io", "token": "jt",
                    "labels": ["telltale"], "resolve_transition": "Done", "timeout": 5},
        "pager": {"type": "pagerduty", "routing_key": "pd-key", "endpoint": base, "timeout": 5},
        "team": {"type": "slack", "webhook_url": f"{base}/services/T/B/X", "timeout": 5},
        "nr": {"type": "newrelic", "license_key": "nr-key", "endpoint": f"{base}/v1/accounts/events",
               "metric_endpoint": f"{base}/metric/v1", "metrics": True, "timeout": 5},
    }
    for name, changes in extra.items():
        cfgs[name] = {**cfgs[name], **changes}
    return {name: build_channel(name, cfg) for name, cfg in cfgs.items()}
