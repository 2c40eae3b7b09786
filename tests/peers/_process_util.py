"""Helpers of the peer tests: is a process still alive, and wait until it is gone."""

from __future__ import annotations

import time
from pathlib import Path


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def wait_gone(pid: int, limit_s: float = 30.0) -> bool:
    """Wait until the process is gone (True) or `limit_s` passed (False)."""
    deadline = time.monotonic() + limit_s
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)
