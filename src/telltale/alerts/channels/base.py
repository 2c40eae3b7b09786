"""What every alert channel implements, the message it is handed, and how a type registers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable, Mapping, Protocol, Sequence, runtime_checkable

from telltale.configbase.values import StrictModel
from telltale.errors import ChannelError

NOTICE_KINDS = ("firing", "update", "resolved")
"""`update`: new evidence while an alert stays open (only for channels with `update_every`)."""


@dataclass(frozen=True)
class AlertMessage:
    """One notice to deliver: an alert's status change, as payload and as exact body bytes.

    `ref` is what the channel returned for an earlier notice of the same alert (a JIRA
    issue key, a PagerDuty dedup key, a Slack message ts), or None.
    """

    alert_id: str
    status: str                       # firing | update | resolved
    payload: Mapping[str, Any]        # the webhook body as a dict (for channels that reformat it)
    body: bytes                       # the canonical JSON bytes (what a webhook sends and signs)
    ref: str | None = None
    key: str | None = None            # the outbox idempotency key (default `<alert id>:<status>`)
    dashboard_url: str | None = None  # the project's `dashboard_url`, for links

    @property
    def idempotency_key(self) -> str:
        """`<alert id>:<status>`, the same on every retry of this notice."""
        return self.key or f"{self.alert_id}:{self.status}"


class DeliveryError(ChannelError):
    """A channel could not deliver; `retryable` says whether an immediate retry may help."""

    def __init__(self, message: str, *, channel: str, status_code: int | None = None,
                 retryable: bool = True, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.channel = channel
        self.status_code = status_code
        self.retryable = retryable
        self.retry_after = retry_after
        """Seconds the sink asked to wait before the next try (its Retry-After), if it did."""


@runtime_checkable
class Channel(Protocol):
    """An alert destination. `send` returns when the sink accepted the message.

    It returns the external reference to keep for the alert (or None), and raises
    ChannelError (ideally DeliveryError) when the sink is unreachable or refuses; it must
    not retry by itself (the outbox does). A channel with `grouped` also has
    `send_group(messages)`, one message for several notices of one delivery pass; a
    channel with an `update_every` is also sent `update` notices, at most that often.
    """

    name: str
    grouped: bool
    update_every: timedelta | None

    def send(self, message: AlertMessage) -> str | None:
        """Deliver one message (return its external reference, or None) or raise ChannelError."""
        ...


class GroupChannel(Channel, Protocol):
    """A channel that can send one pass's notices as one message."""

    def send_group(self, messages: Sequence[AlertMessage]) -> None:
        """Deliver several notices as one message or raise ChannelError."""
        ...


class ChannelConfig(StrictModel):
    """Base of every channel's config class (the `alerts:` entries)."""


@dataclass(frozen=True)
class ChannelSpec:
    """One channel type: its config class and how a sender is built from a validated config."""

    config: type[ChannelConfig]
    build: Callable[[str, Any], Channel]

    @property
    def type(self) -> str:
        """The `type:` value of this channel."""
        field = self.config.model_fields["type"].annotation
        return str(field.__args__[0])  # type: ignore[union-attr]
