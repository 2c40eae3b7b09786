"""Outbound HTTP with a total deadline per request.

httpx bounds each connect, write and read separately, so a peer that trickles one byte
at a time keeps a request alive forever. Here the whole request (connect, TLS, sending,
status line, headers and the part of the body that is read) runs under one deadline:
the request runs as an asyncio task that is cancelled when the deadline passes, which
closes its connection.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping, TypeVar

import httpx

T = TypeVar("T")
MAX_BODY_BYTES = 4096          # enough for an error excerpt; a big answer is not read further


class DeadlineExceeded(Exception):
    """The whole request took longer than its total deadline (its connection was closed)."""


@dataclass(frozen=True)
class HttpAnswer:
    """What came back: the status code and the start of the body."""

    status_code: int
    text: str
    retry_after: str | None = None
    """The answer's Retry-After header, as sent (seconds or an HTTP date)."""


def run_with_deadline(make: Callable[[], Awaitable[T]], seconds: float) -> T:
    """Run the coroutine `make()` to completion, or cancel it after `seconds` in total.

    Raises DeadlineExceeded when the deadline passes. Works from plain code and from a
    thread that already runs an event loop (the request then runs on a worker thread).
    """
    async def bounded() -> T:
        try:
            return await asyncio.wait_for(make(), timeout=seconds)
        except asyncio.TimeoutError as exc:
            raise DeadlineExceeded(f"no complete answer within {seconds:g}s") from exc

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(bounded())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, bounded()).result()


def post(url: str, body: bytes, headers: Mapping[str, str], *, total_timeout: float,
         verify: bool = True) -> HttpAnswer:
    """POST `body` to `url`; the whole exchange must finish within `total_timeout` seconds.

    Raises DeadlineExceeded past the deadline and httpx.HTTPError for network errors.
    Redirects are not followed; at most MAX_BODY_BYTES of the answer are read.
    """
    return request("POST", url, body=body, headers=headers, total_timeout=total_timeout, verify=verify)


def request(method: str, url: str, *, body: bytes | None = None, headers: Mapping[str, str],
            total_timeout: float, verify: bool = True, params: Mapping[str, str] | None = None,
            max_bytes: int = MAX_BODY_BYTES) -> HttpAnswer:
    """One HTTP request under a total deadline; at most `max_bytes` of the answer are read."""
    async def exchange() -> HttpAnswer:
        async with httpx.AsyncClient(timeout=total_timeout, verify=verify, follow_redirects=False) as client:
            async with client.stream(method, url, content=body, headers=dict(headers),
                                     params=dict(params) if params else None) as resp:
                return HttpAnswer(resp.status_code, await _start_of_body(resp, max_bytes),
                                  resp.headers.get("retry-after"))

    return run_with_deadline(exchange, total_timeout)


async def _start_of_body(resp: Any, max_bytes: int) -> str:
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= max_bytes:
            break
    raw = b"".join(chunks)[:max_bytes]
    try:
        return raw.decode(resp.charset_encoding or "utf-8", errors="replace")
    except LookupError:                       # a charset Python does not know
        return raw.decode("utf-8", errors="replace")
