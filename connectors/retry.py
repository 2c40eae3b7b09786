"""What every network connector shares: transient errors retried with backoff (tenacity).

A connector says which of its driver's errors are transient (a dropped connection, a
throttled request, a warehouse still resuming); those are retried a few times with
exponential backoff, anything else fails at once. The final error is the connector's
own `ConnectorError`, whose message says what to check.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from tenacity import (RetryError, Retrying, retry_if_exception, stop_after_attempt,
                      wait_exponential)

T = TypeVar("T")

ATTEMPTS = 3
"""Tries per call (the first and two retries)."""


def with_retries(call: Callable[[], T], transient: Callable[[BaseException], bool], *,
                 attempts: int = ATTEMPTS, max_wait: float = 4.0) -> T:
    """`call()`, retried with exponential backoff (0.5 s, 1 s, ... up to `max_wait`) while it
    raises an error `transient` accepts; any other error, or the last one, is raised as is."""
    retrying = Retrying(retry=retry_if_exception(transient), stop=stop_after_attempt(attempts),
                        wait=wait_exponential(multiplier=0.5, max=max_wait), reraise=True)
    try:
        return retrying(call)
    except RetryError as exc:   # only without reraise; kept for safety
        raise exc.last_attempt.exception() or exc from None
