"""The alert body every channel starts from (the webhook sends it as is).

Fields, as DESIGN.md fixes them: `version, id, status (firing|resolved), severity,
monitor, model, type, column, segment, metric, value, threshold, window, baseline,
message, fired_at`. The body is canonical JSON (sorted keys, compact separators, ASCII),
so the bytes, and so the signature, are reproducible.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Mapping

from telltale.core.timeutil import iso

if TYPE_CHECKING:
    from telltale.core.results import MonitorResult

PAYLOAD_VERSION = 1
FIELDS = ("version", "id", "status", "severity", "monitor", "model", "type", "column", "segment",
          "metric", "value", "threshold", "window", "baseline", "message", "fired_at")


def build_payload(alert_id: str, status: str, result: MonitorResult, fired_at: datetime,
                  *, severity: str | None = None) -> dict[str, Any]:
    """The body for one alert notice, from the MonitorResult of the run that caused it.

    `fired_at` is when the alert fired (the same on its `resolved` notice); `severity`
    overrides the result's (a resolved notice keeps the severity it fired with).
    """
    if status not in ("firing", "resolved"):
        raise ValueError(f"alert status must be firing or resolved, not {status!r}")
    payload: dict[str, Any] = json_safe({
        "version": PAYLOAD_VERSION, "id": alert_id, "status": status,
        "severity": severity or result.severity, "monitor": result.monitor, "model": result.model,
        "type": result.type, "column": result.column, "segment": result.segment,
        "metric": result.metric, "value": result.value, "threshold": result.threshold,
        "window": result.window.as_json() if result.window else None,
        "baseline": result.baseline.as_json() if result.baseline else None,
        "message": result.message, "fired_at": iso(fired_at),
    })
    return payload


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    """The exact body bytes: sorted keys, `,`/`:` separators, ASCII, no NaN."""
    return json.dumps(json_safe(payload), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True, allow_nan=False).encode("ascii")


def json_safe(value: Any) -> Any:
    """A JSON-able copy: NaN/inf -> None, numpy scalars -> Python, datetimes -> ISO, tuples -> lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return json_safe(float(value))
    if hasattr(value, "item"):
        return json_safe(value.item())
    return str(value)
