"""The webhook channel: an HTTP POST of the canonical JSON body, signed with HMAC-SHA256.

With `grouped: true`, the notices of one delivery pass go out as one POST whose body is
`{"version": 1, "alerts": [<body>, ...], "keys": [<Idempotency-Key of each>, ...]}`, or as
several such POSTs of at most MAX_GROUP notices each when more are due.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal, Sequence

from pydantic import Field, field_validator

from telltale.alerts.channels.base import AlertMessage, ChannelConfig, ChannelSpec
from telltale.alerts.channels.http import call, host_of
from telltale.configbase.values import HttpUrl, Timeout

SIGNATURE_HEADER = "X-Telltale-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_TIMEOUT_S = 10.0
MAX_GROUP = 100
"""The most notices in one grouped POST: a longer backlog (a sink down for hours) goes out as
several POSTs of at most this many, oldest first (docs/alerts.md)."""
OWNED_HEADERS = ("Content-Type", IDEMPOTENCY_HEADER, SIGNATURE_HEADER, "Content-Length")
"""Headers telltale (or HTTP itself) sets: a configured one of these names, in any letter case,
is not sent (HTTP names are case-insensitive: `idempotency-key` would go out as a second line)."""
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class WebhookConfig(ChannelConfig):
    """POST a signed JSON body to `url` (HMAC-SHA256 with `secret`)."""

    type: Literal["webhook"]
    url: HttpUrl
    secret: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    timeout: Timeout = timedelta(seconds=DEFAULT_TIMEOUT_S)
    verify: bool = True
    """Check the server's TLS certificate (default true)."""
    grouped: bool = False
    """Send the notices of one delivery pass as one POST."""

    @field_validator("secret", mode="before")
    @classmethod
    def _empty_secret(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("headers")
    @classmethod
    def _sendable_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            problem = header_problem(name, text)
            if problem:
                raise ValueError(problem)
        return value


def header_problem(name: str, value: str) -> str | None:
    """Why an extra header cannot be sent at all (a bad name, or a value that is not printable
    ASCII), or None."""
    if not _TOKEN.fullmatch(name):
        return (f"'{name}' is not an HTTP header name: use letters, digits and - "
                "(no spaces, colons or other punctuation), e.g. X-Team")
    if any(not (32 <= ord(c) < 127 or c == "\t") for c in value):
        return (f"the value of header '{name}' must be printable ASCII text "
                "(no line breaks, no accented or other non-ASCII characters)")
    return None


def sign(body: bytes, secret: str) -> str:
    """The signature header value: `sha256=` + hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def group_body(messages: Sequence[AlertMessage]) -> tuple[bytes, str]:
    """The body of a grouped POST and its Idempotency-Key (`group:` + a hash of the keys)."""
    keys = [m.idempotency_key for m in messages]
    body = b'{"alerts":[' + b",".join(m.body for m in messages) + b'],"keys":' + \
        json.dumps(keys, separators=(",", ":"), ensure_ascii=True).encode("ascii") + b',"version":1}'
    return body, "group:" + hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()[:32]


@dataclass
class WebhookChannel:
    """POSTs each alert to `url`; signs it when a `secret` is set."""

    name: str
    url: str
    secret: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT_S
    verify: bool = True
    grouped: bool = False
    update_every: timedelta | None = None
    max_group: int = MAX_GROUP
    type: str = "webhook"

    @classmethod
    def from_config(cls, name: str, cfg: WebhookConfig) -> WebhookChannel:
        """Build from a validated config."""
        return cls(name=name, url=cfg.url, secret=cfg.secret, headers=dict(cfg.headers),
                   timeout=cfg.timeout.total_seconds(), verify=cfg.verify, grouped=cfg.grouped)

    def request_headers(self, message: AlertMessage) -> dict[str, str]:
        """Configured extra headers, then the ones telltale owns (those win, whatever the
        letter case of the configured name)."""
        return self._headers(message.body, message.idempotency_key)

    def _headers(self, body: bytes, key: str) -> dict[str, str]:
        owned = {h.lower() for h in OWNED_HEADERS}
        out = {k: v for k, v in self.headers.items() if k.lower() not in owned}
        out.update({"Content-Type": "application/json", IDEMPOTENCY_HEADER: key})
        if self.secret:
            out[SIGNATURE_HEADER] = sign(body, self.secret)
        return out

    def send(self, message: AlertMessage) -> str | None:
        """POST the message body; raise DeliveryError on a network error, a non-2xx answer or
        when the whole request takes longer than `timeout` (a total deadline, not per read).

        A `grouped` webhook sends the grouped body even for one notice: its receiver reads
        one format whatever the size of the pass."""
        if self.grouped:
            self.send_group([message])
        else:
            self._post(message.body, message.idempotency_key)
        return None

    def send_group(self, messages: Sequence[AlertMessage]) -> None:
        """POST several notices as one signed body (see the module docstring)."""
        body, key = group_body(messages)
        self._post(body, key)

    def _post(self, body: bytes, key: str) -> None:
        call(self.name, f"webhook '{self.name}' ({host_of(self.url)})", "POST", self.url,
             headers=self._headers(body, key), body=body, timeout=self.timeout, verify=self.verify)


SPEC = ChannelSpec(WebhookConfig, WebhookChannel.from_config)
