"""`with_retries`: transient errors are retried with backoff, others fail at once."""

from __future__ import annotations

import pytest

from telltale.connectors import retry


class Flaky(Exception):
    pass


def test_a_transient_error_is_retried_until_the_call_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda s: None)
    calls = []

    def call() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise Flaky("dropped")
        return 7

    assert retry.with_retries(call, lambda e: isinstance(e, Flaky)) == 7
    assert len(calls) == 3


def test_the_last_transient_error_is_raised_after_the_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda s: None)
    calls = []

    def call() -> int:
        calls.append(1)
        raise Flaky(f"dropped {len(calls)}")

    with pytest.raises(Flaky, match="dropped 3"):
        retry.with_retries(call, lambda e: isinstance(e, Flaky))


def test_a_permanent_error_is_not_retried() -> None:
    calls = []

    def call() -> int:
        calls.append(1)
        raise ValueError("bad password")

    with pytest.raises(ValueError):
        retry.with_retries(call, lambda e: isinstance(e, Flaky))
    assert len(calls) == 1
