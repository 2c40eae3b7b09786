"""Start `telltale serve`: the scheduler in a thread, the app under uvicorn, a clean stop on SIGTERM.

On SIGTERM (or Ctrl-C) uvicorn stops taking requests, then the app's shutdown tells the
scheduler to stop and waits for the run in progress to finish: a run is never cut in
half. Leases taken but not yet run are given back for another process.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import logging.config
import socket
import threading
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, AsyncIterator

from telltale.errors import ConfigError, MissingExtraError, TelltaleError

if TYPE_CHECKING:
    from telltale.config.project import Project


log = logging.getLogger("telltale.serve")
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost; False for 0.0.0.0, :: and every other address."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str | None) -> None:
    """Refuse to serve off loopback without a token (ConfigError, exit 2)."""
    if token is not None and not token.strip():
        raise ConfigError("--token is empty; pass a long random token (e.g. `openssl rand -hex 32`)")
    if not is_loopback(host) and not token:
        raise ConfigError(f"serving on {host}, off loopback, needs a token: pass --token or set "
                          "TELLTALE_TOKEN (clients then send Authorization: Bearer <token>), or bind "
                          "--host 127.0.0.1")


class ListenError(TelltaleError):
    """The address `serve` was told to bind cannot be listened on (in use, not ours, unknown)."""

    exit_code = 3


def check_listen(host: str, port: int) -> None:
    """Bind (and release) every address of host:port as uvicorn will, so that a port in use or
    an unknown host is one clear error before the scheduler starts, not a log line after."""
    try:
        for family, kind, proto, _name, addr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                                   flags=socket.AI_PASSIVE):
            with socket.socket(family, kind, proto) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind(addr)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            hint = "stop what uses that port or pass another --port"
        elif exc.errno == errno.EACCES:
            hint = "ports below 1024 need privileges: pass e.g. --port 8765"
        else:
            hint = "pass --host with a name or address of this machine (e.g. 127.0.0.1 or 0.0.0.0)"
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; {hint}") from None


def build(project: Project, *, token: str | None, interval: float, scheduler_on: bool = True) -> Any:
    """The app with its store and scheduler (started with the app, stopped before it exits)."""
    from telltale.serve.app import create_app
    from telltale.serve.schedule import Scheduler
    from telltale.store import open_store

    store = open_store(project.store_url)
    sched = Scheduler(project, store) if scheduler_on else None

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        thread = None
        if sched is not None:
            thread = threading.Thread(target=sched.loop, args=(interval,), name="telltale-scheduler", daemon=True)
            thread.start()
            log.info("scheduler started (%d monitors, tick every %ss)", len(project.config.monitors), interval,
                     extra={"event": "scheduler_started", "holder": sched.holder})
        try:
            yield
        finally:
            if sched is not None and thread is not None:
                sched.stop.set()
                if sched.running is not None:
                    log.info("stopping: waiting for the run in progress to finish",
                             extra={"event": "shutdown_wait"})
                thread.join()
                log.info("scheduler stopped", extra={"event": "scheduler_stopped"})
            store.close()

    return create_app(project, store, scheduler=sched, token=token, lifespan=lifespan)


def serve(project: Project, *, host: str, port: int, token: str | None, log_format: str = "text",
          interval: float = 30.0, scheduler_on: bool = True) -> None:
    """Run the server until SIGTERM or Ctrl-C."""
    check_binding(host, token)
    try:
        import uvicorn
    except ImportError:
        raise MissingExtraError("telltale serve", "server", "uvicorn") from None
    try:
        import fastapi  # noqa: F401
    except ImportError:
        raise MissingExtraError("telltale serve", "server", "fastapi") from None
    from telltale.serve.logs import setup_logging

    check_listen(host, port)
    log_config = setup_logging(log_format)
    logging.config.dictConfig(log_config)
    app = build(project, token=token, interval=interval, scheduler_on=scheduler_on)
    log.info("serving %s on http://%s:%d", project.root, host, port,
             extra={"event": "serving", "host": host, "port": port, "token": bool(token)})
    uvicorn.run(app, host=host, port=port, log_config=log_config, access_log=False)
