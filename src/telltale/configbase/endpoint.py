"""Server endpoints (`endpoint: host[:port]`) of PostgreSQL and Redshift connections."""

from __future__ import annotations

from typing import Any

from telltale.configbase.values import fail


def host_port(endpoint: str | None) -> tuple[str, int | None] | None:
    """`host[:port]` of a server endpoint (postgres, redshift), checked; None without one."""
    if endpoint is None:
        return None
    host, sep, port = endpoint.strip().rpartition(":")
    if not sep:
        host, port = endpoint.strip(), ""
    if not host or "/" in host or (port and not (port.isdigit() and 0 < int(port) < 65536)):
        raise fail(f"endpoint {endpoint!r} is not host or host:port (e.g. db.internal:5432)", at="endpoint")
    return host, int(port) if port else None


def with_endpoint(params: dict[str, Any], endpoint: str | None) -> dict[str, Any]:
    """Connector keywords with `endpoint`'s host (and port, when it has one) overriding."""
    hp = host_port(endpoint)
    if hp is not None:
        params["host"] = hp[0]
        if hp[1] is not None:
            params["port"] = hp[1]
        params.pop("endpoint", None)
    return params
