"""What a run produces: one result per monitor, column and segment (the JSON contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

from telltale.core.timeutil import TimeRange

Status = Literal["ok", "alert", "no_data", "error"]

# The baseline of a monitor compared with a training data set rather than a time range.
TRAINING = TimeRange(datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(1970, 1, 2, tzinfo=timezone.utc))
STATUS_CODES = {"ok": 0, "alert": 1, "no_data": 0, "error": 2}


@dataclass(frozen=True)
class MonitorResult:
    """One evaluated value: a monitor on one column (or the model) and one segment."""

    monitor: str
    model: str
    type: str
    column: str | None
    segment: dict[str, Any] | None
    metric: str
    value: float | None
    threshold: dict[str, Any] | None
    status: Status
    severity: str
    window: TimeRange | None
    baseline: TimeRange | None
    message: str
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)   # e.g. p_value, baseline_value

    @property
    def segment_key(self) -> str:
        """A stable text for the segment (`""` for all rows, else `col=value,...`)."""
        return segment_key(self.segment)

    def as_json(self) -> dict[str, Any]:
        """The object of `run --json`'s `results` list."""
        out: dict[str, Any] = {
            "monitor": self.monitor, "model": self.model, "type": self.type,
            "column": self.column, "segment": self.segment, "metric": self.metric,
            "value": _finite(self.value), "threshold": self.threshold, "status": self.status,
            "severity": self.severity,
            "window": self.window.as_json() if self.window else None,
            "baseline": _baseline_json(self.baseline),
            "message": self.message, "error": self.error,
        }
        out.update({k: v for k, v in self.extra.items() if k not in out})
        return out


def _baseline_json(baseline: TimeRange | None) -> dict[str, Any] | None:
    if baseline is None:
        return None
    if baseline == TRAINING:
        return {"start": None, "end": None, "source": "training"}
    return baseline.as_json()


def _finite(value: float | None) -> float | None:
    """JSON has no NaN or infinity: such values are reported as null (the message says why)."""
    import math

    if value is None or not isinstance(value, float):
        return value
    return value if math.isfinite(value) else None


def segment_key(segment: dict[str, Any] | None) -> str:
    """Canonical text of a segment: "" for all rows, else escaped `col=value` pairs sorted by
    column (`core.segkey`: NULL, 'null' and '' stay distinct)."""
    from telltale.core.segkey import encode_segment

    return encode_segment(segment)
