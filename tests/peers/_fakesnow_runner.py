"""Runs fakesnow's server inside its own environment (started by tests/peers/snowflake.py; not a test).

Prints the connection kwargs as one line of JSON once the server accepts connections, then
serves until its standard input closes or its parent dies. Usage: python _fakesnow_runner.py [PORT]
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys

# This folder holds modules named like the peers' packages (snowflake.py, bigquery.py): not on the path.
sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != os.path.dirname(os.path.realpath(__file__))]
OUT = os.fdopen(os.dup(1), "w")  # the JSON line goes here; everything else printed goes to stderr (the log)
os.dup2(2, 1)


def _die_with_parent() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if str(os.getppid()) != os.environ.get("TELLTALE_PEER_PARENT", str(os.getppid())):
        os._exit(1)  # the parent died before prctl


def main() -> None:
    _die_with_parent()
    import fakesnow

    port = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "0" else None
    with fakesnow.server(port=port, host="127.0.0.1") as kwargs:
        print(json.dumps(kwargs), file=OUT, flush=True)
        sys.stdin.read()  # until the test process closes the pipe (or dies)


if __name__ == "__main__":
    main()
