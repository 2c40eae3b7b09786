"""Shared helpers of the serve tests: the demo's history length, a `telltale serve` process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

HISTORY_DAYS = 10
"""Days of history the demo fixture backfills before its last (alerting) run."""


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_process(project: Path, *args: str, token: str | None = None, log: Path | None = None,
                  env: dict[str, str] | None = None) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`telltale serve` on a free port until /healthz answers; yields (process, base URL). The
    process is stopped (SIGTERM, then SIGKILL) when the block ends. `env` adds variables."""
    port = free_port()
    env = {**({**os.environ, "TELLTALE_TOKEN": token} if token else
              {k: v for k, v in os.environ.items() if k != "TELLTALE_TOKEN"}), **(env or {})}
    err = open(log, "wb") if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "telltale.cli.main", "serve", "--project", str(project),
                             "--port", str(port), *args], env=env, stdout=subprocess.DEVNULL, stderr=err)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"telltale serve exited with {proc.returncode}")
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("telltale serve did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if log is not None:
            err.close()  # type: ignore[union-attr]
