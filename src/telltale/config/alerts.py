"""Alert channels in telltale.yml: a discriminated union on `type`, read from the one list of
channel types (`telltale.alerts.channels.CHANNELS`: each type's config class sits beside its
sender), and `notify`, a monitor's channels (one list, or one list per severity)."""

from __future__ import annotations

from typing import Any

from telltale.alerts.channels import CHANNELS, ChannelUnion
from telltale.alerts.channels.jira import JiraConfig as JiraChannel
from telltale.alerts.channels.newrelic import NewRelicConfig as NewRelicChannel
from telltale.alerts.channels.pagerduty import PagerDutyConfig as PagerDutyChannel
from telltale.alerts.channels.slack import SlackConfig as SlackChannel
from telltale.alerts.channels.webhook import WebhookConfig as WebhookChannel
from telltale.configbase.notify import SEVERITIES, Notify, notify_before, notify_names

Channel: Any = ChannelUnion
"""Any alert channel, chosen by its `type`."""

CHANNEL_TYPES: tuple[str, ...] = tuple(spec.type for spec in CHANNELS)


__all__ = ["CHANNEL_TYPES", "SEVERITIES", "Channel", "JiraChannel", "NewRelicChannel", "Notify", "PagerDutyChannel",
           "SlackChannel", "WebhookChannel", "notify_before", "notify_names"]
