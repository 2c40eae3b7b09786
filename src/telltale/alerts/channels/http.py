"""HTTP calls of the channels: one request under a total deadline, errors as DeliveryError."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import urlsplit

from telltale import __version__
from telltale.alerts.channels.base import DeliveryError

if TYPE_CHECKING:        # httpx (0.1 s) is imported when a notice is sent, not by every run
    from telltale.alerts.channels.bounded import HttpAnswer

MAX_BODY_BYTES = 4096

RETRYABLE_STATUS = frozenset({408, 425, 429})
USER_AGENT = f"telltale/{__version__}"


def timed_out(channel: str, where: str, timeout: float) -> DeliveryError:
    """The (retryable) failure of a request that missed its total deadline."""
    return DeliveryError(f"{where}: timed out: no complete answer within {timeout:g}s "
                         "(the channel's `timeout` bounds the whole request)", channel=channel)


def call(channel: str, where: str, method: str, url: str, *, headers: Mapping[str, str] | None = None,
         body: bytes | None = None, json_body: Any = None, params: Mapping[str, str] | None = None,
         timeout: float, verify: bool = True, max_bytes: int = MAX_BODY_BYTES) -> HttpAnswer:
    """Send one request; return the answer when it is 2xx, else raise DeliveryError.

    `where` names the sink in messages (e.g. "jira 'tickets' (jira.example)"). A timeout,
    a network error, a 5xx or 408/425/429 are retryable; other answers are not.
    """
    import httpx

    from telltale.alerts.channels import bounded

    hdrs = dict(headers or {})
    if not any(k.lower() == "user-agent" for k in hdrs):      # a configured one replaces it, in any case
        hdrs = {"User-Agent": USER_AGENT, **hdrs}
    if json_body is not None:
        body = json.dumps(json_body, separators=(",", ":"), allow_nan=False).encode("utf-8")
        hdrs.setdefault("Content-Type", "application/json")
    try:
        resp = bounded.request(method, url, body=body, headers=hdrs, params=params,
                               total_timeout=timeout, verify=verify, max_bytes=max_bytes)
    except (bounded.DeadlineExceeded, httpx.TimeoutException) as exc:
        raise timed_out(channel, where, timeout) from exc
    except httpx.InvalidURL as exc:     # config checks URLs at load; this is the last guard
        raise DeliveryError(f"{where}: could not deliver: the URL is not valid: {exc}", channel=channel,
                            retryable=False) from exc
    except httpx.HTTPError as exc:      # some (a reset while sending) have no text: name the error then
        reason = hide_header_values(str(exc).strip(), hdrs) or network_error(exc)
        raise DeliveryError(f"{where}: could not deliver: {reason}", channel=channel) from exc
    if not 200 <= resp.status_code < 300:
        excerpt = " ".join(resp.text[:200].split())
        if 300 <= resp.status_code < 400:
            excerpt = ("a redirect, which telltale does not follow: configure the URL it points to"
                       + (f" ({excerpt})" if excerpt else ""))
        wait = retry_after_seconds(resp.retry_after)
        raise DeliveryError(
            f"{where} answered HTTP {resp.status_code}" + (f": {excerpt}" if excerpt else "")
            + (f" (Retry-After: {wait:g} s)" if wait is not None else ""),
            channel=channel, status_code=resp.status_code,
            retryable=resp.status_code >= 500 or resp.status_code in RETRYABLE_STATUS, retry_after=wait)
    return resp


MAX_RETRY_AFTER_S = 24 * 3600.0
"""A longer Retry-After is taken as this long (a notice is never parked for days by one answer)."""


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date, RFC 9110
    10.2.3), capped at MAX_RETRY_AFTER_S; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return min(max(0.0, seconds), MAX_RETRY_AFTER_S)


PLAIN_HEADERS = frozenset({"content-type", "user-agent", "accept", "idempotency-key"})


def hide_header_values(text: str, headers: Mapping[str, str]) -> str:
    """`text` without the values of the request's headers (API keys, tokens): h11 names a
    header value it refuses (`Illegal header value b'<license key>\\n'`)."""
    for name, value in headers.items():
        if name.lower() in PLAIN_HEADERS or len(value.strip()) < 4:
            continue
        for form in (value, repr(value.encode("utf-8", "replace"))[2:-1], value.strip()):
            text = text.replace(form, "<hidden>")
    return text


def network_error(exc: BaseException) -> str:
    """A reason for a network error that came without text (httpx's ReadError(''), ...)."""
    return (f"{type(exc).__name__} (the connection was closed or reset before a complete answer; "
            "the receiver may have refused the request)")


def json_of(answer: HttpAnswer, channel: str, where: str) -> Any:
    """The answer's body as JSON, or a DeliveryError saying it was not JSON."""
    try:
        return json.loads(answer.text)
    except ValueError as exc:
        raise DeliveryError(f"{where} answered HTTP {answer.status_code} with a body that is not JSON: "
                            f"{' '.join(answer.text[:120].split())}", channel=channel) from exc


def host_of(url: str) -> str:
    """The host of a URL, for messages."""
    return urlsplit(url).hostname or url
