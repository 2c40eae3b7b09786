"""Detection rules applied to a monitor's value: absolute bounds and change vs the baseline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """Whether a value fires, the threshold object of the JSON output, and why."""

    fired: bool
    threshold: dict[str, Any]
    reason: str


def _fmt(v: float | None) -> str:
    if v is None:
        return "none"
    return f"{v:.4g}"


def absolute(value: float, lo: float | None, hi: float | None) -> Verdict:
    """Fire when the value is below `lo` or above `hi`."""
    threshold = {k: v for k, v in (("min", lo), ("max", hi)) if v is not None}
    if lo is not None and value < lo:
        return Verdict(True, threshold, f"{_fmt(value)} is below the minimum {_fmt(lo)}")
    if hi is not None and value > hi:
        return Verdict(True, threshold, f"{_fmt(value)} is above the maximum {_fmt(hi)}")
    return Verdict(False, threshold, f"{_fmt(value)} is within [{_fmt(lo)}, {_fmt(hi)}]")


def change(value: float, baseline: float | None, percent: float) -> Verdict:
    """Fire when the value moved more than `percent` % away from the baseline's value."""
    if baseline is None:
        return Verdict(False, {"percent": percent}, "the baseline has no value to compare with")
    margin = abs(baseline) * percent / 100.0
    threshold = {"min": baseline - margin, "max": baseline + margin, "percent": percent,
                 "baseline_value": baseline}
    if baseline == 0:
        fired = value != 0
        moved = float("inf") if fired else 0.0
    else:
        moved = abs(value - baseline) / abs(baseline) * 100.0
        fired = moved > percent
    direction = "up" if value > baseline else "down"
    reason = (f"{_fmt(value)} moved {direction} {moved:.1f}% from the baseline's {_fmt(baseline)} "
              f"(allowed {percent:g}%)")
    return Verdict(fired, threshold, reason)


def at_least(value: float, limit: float, what: str = "threshold") -> Verdict:
    """Fire when the value reaches `limit` (drift distances)."""
    fired = value >= limit
    word = "at or above" if fired else "below"
    return Verdict(fired, {"max": limit}, f"{_fmt(value)} is {word} the {what} {_fmt(limit)}")


def above(value: float, limit: float, what: str = "threshold") -> Verdict:
    """Fire when the value is strictly above `limit` (shares such as new values)."""
    fired = value > limit
    word = "above" if fired else "not above"
    return Verdict(fired, {"max": limit}, f"{_fmt(value)} is {word} the {what} {_fmt(limit)}")
