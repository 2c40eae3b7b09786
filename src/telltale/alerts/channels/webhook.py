"""The webhook channel: an HTTP POST of the canonical JSON body, signed with HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Mapping

from telltale import __version__
from telltale.alerts.channels.base import AlertMessage, DeliveryError
from telltale.errors import ConfigError
from telltale.core.timeutil import parse_duration

SIGNATURE_HEADER = "X-Telltale-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_TIMEOUT_S = 10.0
_RETRYABLE_STATUS = frozenset({408, 425, 429})
_KEYS = frozenset({"type", "url", "secret", "headers", "timeout", "verify"})


def sign(body: bytes, secret: str) -> str:
    """The signature header value: `sha256=` + hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass
class WebhookChannel:
    """POSTs each alert to `url`; signs it when a `secret` is set."""

    name: str
    url: str
    secret: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT_S
    verify: bool = True
    type: str = "webhook"

    @classmethod
    def from_config(cls, name: str, cfg: Mapping[str, Any]) -> WebhookChannel:
        """Build from a channel's config: `url`, optional `secret`, `headers`, `timeout`, `verify`."""
        unknown = set(cfg) - _KEYS
        if unknown:
            raise ConfigError(f"unknown key(s) {', '.join(sorted(unknown))}; a webhook takes "
                              f"{', '.join(sorted(_KEYS - {'type'}))}", key=f"alerts.{name}")
        url = cfg.get("url")
        if not url or not str(url).startswith(("http://", "https://")):
            raise ConfigError("a webhook needs `url: https://...` (http:// or https://)",
                              key=f"alerts.{name}.url")
        headers = cfg.get("headers") or {}
        if not isinstance(headers, Mapping):
            raise ConfigError("`headers` must be a mapping of header name to value",
                              key=f"alerts.{name}.headers")
        return cls(name=name, url=str(url), secret=str(cfg["secret"]) if cfg.get("secret") else None,
                   headers={str(k): str(v) for k, v in headers.items()},
                   timeout=_timeout(name, cfg.get("timeout")), verify=bool(cfg.get("verify", True)))

    def request_headers(self, message: AlertMessage) -> dict[str, str]:
        """Configured extra headers, then the ones telltale owns (those win)."""
        out = dict(self.headers)
        out.update({"Content-Type": "application/json", "User-Agent": f"telltale/{__version__}",
                    IDEMPOTENCY_HEADER: message.idempotency_key})
        if self.secret:
            out[SIGNATURE_HEADER] = sign(message.body, self.secret)
        return out

    def send(self, message: AlertMessage) -> None:
        """POST the message body; raise DeliveryError on a network error, a non-2xx answer or
        when the whole request takes longer than `timeout` (a total deadline, not per read)."""
        import httpx   # 0.1 s: imported when a notice is sent, not by every run

        from telltale.alerts.channels import bounded

        where = f"webhook '{self.name}' ({httpx.URL(self.url).host})"
        try:
            resp = bounded.post(self.url, message.body, self.request_headers(message),
                             total_timeout=self.timeout, verify=self.verify)
        except (bounded.DeadlineExceeded, httpx.TimeoutException) as exc:
            raise DeliveryError(f"{where}: timed out: no complete answer within {self.timeout:g}s "
                                "(the channel's `timeout` bounds the whole request)",
                                channel=self.name) from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{where}: could not deliver: {exc}", channel=self.name) from exc
        if not 200 <= resp.status_code < 300:
            excerpt = " ".join(resp.text[:200].split())
            raise DeliveryError(
                f"{where} answered HTTP {resp.status_code}" + (f": {excerpt}" if excerpt else ""),
                channel=self.name, status_code=resp.status_code,
                retryable=resp.status_code >= 500 or resp.status_code in _RETRYABLE_STATUS)


def _timeout(name: str, value: Any) -> float:
    if value is None:
        return DEFAULT_TIMEOUT_S
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    try:
        return parse_duration(str(value)).total_seconds()
    except ValueError as exc:
        raise ConfigError(f"`timeout` must be seconds or a duration such as 10s ({exc})",
                          key=f"alerts.{name}.timeout") from exc
