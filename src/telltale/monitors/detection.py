"""Detection rules applied to a monitor's value: absolute bounds and change vs the baseline."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """Whether a value fires, the threshold object of the JSON output, and why.

    `status` overrides the status derived from `fired` (`no_data` when there is nothing to
    compare the value with)."""

    fired: bool
    threshold: dict[str, Any]
    reason: str
    error: str | None = None    # set when no verdict can be reached (the result is an error)
    status: str | None = None   # overrides the status derived from `fired` (no_data: nothing to compare)


def _fmt(v: float | None) -> str:
    if v is None:
        return "none"
    return f"{v:.4g}"


def _pct(p: float) -> str:
    """A percentage with one decimal, or in 3 significant digits when it is huge (1e+300%)."""
    return f"{p:.1f}" if p < 1e6 else f"{p:.3g}"


def absolute(value: float, lo: float | None, hi: float | None) -> Verdict:
    """Fire when the value is below `lo` or above `hi`."""
    threshold = {k: v for k, v in (("min", lo), ("max", hi)) if v is not None}
    if lo is not None and value < lo:
        return Verdict(True, threshold, f"{_fmt(value)} is below the minimum {_fmt(lo)}")
    if hi is not None and value > hi:
        return Verdict(True, threshold, f"{_fmt(value)} is above the maximum {_fmt(hi)}")
    return Verdict(False, threshold, f"{_fmt(value)} is within [{_fmt(lo)}, {_fmt(hi)}]")


def change(value: float, baseline: float | None, percent: float, direction: str = "both",
           source: str | None = None) -> Verdict:
    """Fire when the value moved more than `percent` % away from the baseline's value
    (`direction` up or down: only that way). `source` names where the compared value comes
    from when it is not the baseline (e.g. `segment region='EU'`)."""
    if baseline is None:
        return Verdict(False, {"percent": percent}, "the baseline has no value to compare with",
                       status="no_data")
    if not math.isfinite(baseline):
        return Verdict(False, {"percent": percent}, f"the baseline's value is {baseline}",
                       error=f"the baseline's value is {baseline}, not a finite number; nothing to "
                             "compare with")
    margin = abs(baseline) * percent / 100.0
    threshold: dict[str, Any] = {"min": baseline - margin, "max": baseline + margin,
                                 "percent": percent, "baseline_value": baseline}
    if direction != "both":
        threshold["direction"] = direction
    allowed = f"allowed {percent:g}%{'' if direction == 'both' else ' ' + direction}"
    moved_up = value > baseline
    ref = f"the baseline's {_fmt(baseline)}" if source is None else f"{_fmt(baseline)} in {source}"
    if baseline == 0:
        fired = value != 0
        moved_text = (f"{_fmt(value)} differs from {ref} (any change from 0 exceeds a "
                      f"percentage; {allowed})") if fired else f"0 equals {ref} ({allowed})"
    else:
        moved = abs(value - baseline) / abs(baseline) * 100.0
        fired = moved > percent
        moved_text = (f"{_fmt(value)} moved {'up' if moved_up else 'down'} {_pct(moved)}% from "
                      f"{ref} ({allowed})")
    if direction == "up" and not moved_up or direction == "down" and moved_up:
        fired = False
    return Verdict(fired, threshold, moved_text)


MIN_HISTORY = 3


def anomaly(value: float, history: list[float | None], sensitivity: float, direction: str = "both") -> Verdict:
    """Fire when the value leaves mean ± sensitivity × std of its own history.

    With fewer than 3 past values there is no verdict yet (`no_data`, saying so). A history
    without spread fires on any change.
    """
    import statistics

    values = [v for v in history if v is not None and math.isfinite(v)]
    skipped = sum(1 for v in history if v is not None and not math.isfinite(v))
    if len(values) < MIN_HISTORY:
        return Verdict(False, {"sensitivity": sensitivity},
                       f"{_fmt(value)}: {len(values)} past value(s), at least {MIN_HISTORY} are needed "
                       "to judge anomalies", status="no_data")
    mean = statistics.fmean(values)
    std = statistics.stdev(values)
    lo, hi = mean - sensitivity * std, mean + sensitivity * std
    threshold: dict[str, Any] = {"min": lo, "max": hi, "sensitivity": sensitivity, "history_mean": mean,
                                 "history_std": std, "history_points": len(values)}
    if direction != "both":
        threshold["direction"] = direction
    above_band, below_band = value > hi, value < lo
    if std == 0:
        above_band, below_band = value > mean, value < mean
    fired = (above_band and direction in ("both", "up")) or (below_band and direction in ("both", "down"))
    z = (value - mean) / std if std else float("inf") if value != mean else 0.0
    reason = (f"{_fmt(value)} is {abs(z):.1f} standard deviations {'above' if value >= mean else 'below'} "
              f"its mean {_fmt(mean)} over the last {len(values)} windows (allowed {sensitivity:g})")
    if skipped:
        reason += f"; {skipped} past window(s) with a NaN/infinite value left out"
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
