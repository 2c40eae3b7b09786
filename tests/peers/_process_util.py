"""Helpers of the peer tests: is a process still alive, wait until it is gone, does a server
die with the test process that started it."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
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


def listening_hosts(port: int) -> set[str]:
    """The local addresses on which some process listens on TCP `port` (from /proc/net/tcp and tcp6)."""
    hosts: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if fields[3] != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            if address.startswith("0000000000000000FFFF0000"):  # IPv4-mapped IPv6 (::ffff:a.b.c.d)
                address = address[-8:]
            if len(address) == 8:  # IPv4, little-endian
                hosts.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
            else:
                hosts.add("::1" if address == "00000000000000000000000001000000" else f"ipv6:{address}")
    return hosts


def assert_dies_with_its_test_process(module: str, pid_and_folder: str) -> None:
    """Start `peers.<module>`'s server in a child Python process, SIGKILL that process, and
    assert the server goes away too. `pid_and_folder` is an expression over the server `s`
    giving `(pid, folder)`; the folder is removed afterwards."""
    code = (f"import time; from peers import {module} as p; s = p.server(); "
            f"pid, folder = {pid_and_folder}; print(pid, folder, flush=True); time.sleep(600)")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[1])
    folder = None
    try:
        assert child.stdout is not None
        line = child.stdout.readline().split()
        assert line, "the child process could not start its server"
        pid, folder = int(line[0]), Path(line[1])
        assert alive(pid)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert wait_gone(pid), f"the {module} server outlived its killed test process"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
