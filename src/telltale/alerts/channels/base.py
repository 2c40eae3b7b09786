"""What every alert channel implements, and the message it is handed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Protocol, runtime_checkable

from telltale.errors import ChannelError


@dataclass(frozen=True)
class AlertMessage:
    """One notice to deliver: an alert's status change, as payload and as exact body bytes."""

    alert_id: str
    status: str                       # firing | resolved
    payload: Mapping[str, Any]        # the webhook body as a dict (for channels that reformat it)
    body: bytes                       # the canonical JSON bytes (what a webhook sends and signs)

    @property
    def idempotency_key(self) -> str:
        """`<alert id>:<status>`, the same on every retry of this notice."""
        return f"{self.alert_id}:{self.status}"


class DeliveryError(ChannelError):
    """A channel could not deliver; `retryable` says whether an immediate retry may help."""

    def __init__(self, message: str, *, channel: str, status_code: int | None = None,
                 retryable: bool = True) -> None:
        super().__init__(message)
        self.channel = channel
        self.status_code = status_code
        self.retryable = retryable


@runtime_checkable
class Channel(Protocol):
    """An alert destination. `send` returns when the sink accepted the message.

    It raises ChannelError (ideally DeliveryError) when the sink is unreachable or
    refuses; it must not retry by itself (the outbox does).
    """

    name: str

    def send(self, message: AlertMessage) -> None:
        """Deliver one message or raise ChannelError."""
        ...
