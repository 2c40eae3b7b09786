"""Start `telltale serve`: the scheduler in a thread, the app under uvicorn, a clean stop on SIGTERM.

On SIGTERM (or Ctrl-C) uvicorn stops taking requests, then the app's shutdown tells the
scheduler to stop and waits for the run in progress to finish: a run is never cut in
half. Leases taken but not yet run are given back for another process.
"""

from __future__ import annotations

import ipaddress
import logging
import logging.config
import threading
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from telltale.errors import ConfigError, MissingExtraError

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


def build(project: Any, *, token: str | None, interval: float, scheduler_on: bool = True) -> Any:
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


def serve(project: Any, *, host: str, port: int, token: str | None, log_format: str = "text",
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

    log_config = setup_logging(log_format)
    logging.config.dictConfig(log_config)
    app = build(project, token=token, interval=interval, scheduler_on=scheduler_on)
    log.info("serving %s on http://%s:%d", project.root, host, port,
             extra={"event": "serving", "host": host, "port": port, "token": bool(token)})
    uvicorn.run(app, host=host, port=port, log_config=log_config, access_log=False)
