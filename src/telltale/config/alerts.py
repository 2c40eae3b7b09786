"""Alert channels: webhook, Slack, JIRA and New Relic, a discriminated union on `type`."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal, Union

from pydantic import Field, field_validator

from telltale.config.common import HttpUrl, Name, StrictModel, Timeout, union_types


class WebhookChannel(StrictModel):
    """POST a signed JSON body to `url` (HMAC-SHA256 with `secret`)."""

    type: Literal["webhook"]
    url: HttpUrl
    secret: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    timeout: Timeout = timedelta(seconds=10)

    @field_validator("secret", mode="before")
    @classmethod
    def _empty_secret(cls, value: object) -> object:
        return None if value == "" else value


class SlackChannel(StrictModel):
    """A Slack incoming webhook."""

    type: Literal["slack"]
    webhook_url: HttpUrl


class JiraChannel(StrictModel):
    """Open (and comment on) a JIRA issue per alert."""

    type: Literal["jira"]
    url: HttpUrl
    project: Name
    user: Name
    token: Name
    issue_type: Name = "Bug"


class NewRelicChannel(StrictModel):
    """Send alerts as New Relic events."""

    type: Literal["newrelic"]
    license_key: Name
    region: Literal["us", "eu"] = "us"
    endpoint: HttpUrl | None = None
    """Override the events API URL (tests, FedRAMP)."""


Channel = Annotated[
    Union[WebhookChannel, SlackChannel, JiraChannel, NewRelicChannel],
    Field(discriminator="type"),
]
"""Any alert channel, chosen by its `type`."""

CHANNEL_TYPES = union_types(Channel)
