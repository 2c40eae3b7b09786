"""Runs bqemulator inside its own environment (started by tests/peers/bigquery.py; not a test).

Prints {"url", "grpc", "project"} as one line of JSON once the REST and gRPC endpoints accept
connections (both on free loopback ports), then serves until its standard input closes or its
parent dies. Usage: python _bigquery_runner.py PROJECT
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import signal
import sys
import threading

# This folder holds modules named like the peers' packages (snowflake.py, bigquery.py): not on the path.
sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != os.path.dirname(os.path.realpath(__file__))]
OUT = os.fdopen(os.dup(1), "w")  # the JSON line goes here; everything else printed goes to stderr (the log)
os.dup2(2, 1)


def _die_with_parent() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if str(os.getppid()) != os.environ.get("TELLTALE_PEER_PARENT", str(os.getppid())):
        os._exit(1)  # the parent died before prctl


async def serve(project: str) -> None:
    from bqemulator.config import Settings
    from bqemulator.server import EmulatorServer

    # No avro extension: installing it means a download, and a failed one costs ~1.5 s at start.
    settings = Settings(rest_host="127.0.0.1", rest_port=0, grpc_host="127.0.0.1", grpc_port=0,
                        project=project, enable_format_extensions=False, log_level="warning",
                        log_format="json")
    server = EmulatorServer(settings)
    await server.start()
    loop = asyncio.get_running_loop()
    closed = asyncio.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(closed.set)),
                     daemon=True).start()
    print(json.dumps({"url": server.rest_url, "grpc": server.grpc_endpoint, "project": project}),
          file=OUT, flush=True)
    try:
        await closed.wait()
    finally:
        await server.stop()


if __name__ == "__main__":
    _die_with_parent()
    asyncio.run(serve(sys.argv[1]))
