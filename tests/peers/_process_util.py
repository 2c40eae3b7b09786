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
