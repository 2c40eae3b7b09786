"""Alert channels in telltale.yml: a discriminated union on `type`, read from the one list of
channel types (`telltale.alerts.channels.CHANNELS`: each type's config class sits beside its
sender), and `notify`, a monitor's channels (one list, or one list per severity)."""

from __future__ import annotations

from typing import Any, Mapping, Union

from telltale.alerts.channels import CHANNELS, ChannelUnion
from telltale.alerts.channels.jira import JiraConfig as JiraChannel
from telltale.alerts.channels.newrelic import NewRelicConfig as NewRelicChannel
from telltale.alerts.channels.pagerduty import PagerDutyConfig as PagerDutyChannel
from telltale.alerts.channels.slack import SlackConfig as SlackChannel
from telltale.alerts.channels.webhook import WebhookConfig as WebhookChannel
from telltale.config.common import Severity

Channel: Any = ChannelUnion
"""Any alert channel, chosen by its `type`."""

CHANNEL_TYPES: tuple[str, ...] = tuple(spec.type for spec in CHANNELS)

Notify = Union[tuple[str, ...], dict[Severity, tuple[str, ...]]]
"""`notify: [ops, jira]`, or by severity: `notify: {high: [pager], low: [team]}`."""


def notify_before(value: Any) -> Any:
    """Accept one name where a list is expected, at the top or per severity."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
    return value


def notify_names(notify: Notify) -> list[tuple[tuple[str | int, ...], str]]:
    """Every channel name a `notify` lists, with its path under `notify` (for validation)."""
    if isinstance(notify, Mapping):
        return [((sev, j), name) for sev, names in notify.items() for j, name in enumerate(names)]
    return [((j,), name) for j, name in enumerate(notify)]


__all__ = ["CHANNEL_TYPES", "Channel", "JiraChannel", "NewRelicChannel", "Notify", "PagerDutyChannel",
           "SlackChannel", "WebhookChannel", "notify_before", "notify_names"]
