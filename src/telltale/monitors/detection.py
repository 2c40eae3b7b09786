"""Detection rules applied to a monitor's value: absolute bounds and change vs the baseline."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from telltale.configbase.detection import ANOMALY_MIN_HISTORY
from telltale.stats.student import norm_sf, t_isf


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
    _one_sided(threshold, direction)
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


def _one_sided(threshold: dict[str, Any], direction: str) -> None:
    """With `direction` up (down) only the upper (lower) bound can fire: the other is left
    out of the threshold, so charts, history and messages show only the bound that applies."""
    if direction != "both":
        threshold["direction"] = direction
        threshold.pop("min" if direction == "up" else "max", None)


MIN_HISTORY = ANOMALY_MIN_HISTORY
MAD_TO_SD = 1.4826
"""1 / Phi^-1(3/4): MAD x 1.4826 estimates the standard deviation of a normal sample."""
MEANAD_TO_SD = 1.2533
"""sqrt(pi / 2): mean absolute deviation x 1.2533 estimates a normal's standard deviation
(the robust method's scale when more than half the past values are equal, so MAD is 0)."""


MAD_EFFICIENCY = 0.37
"""Efficiency of MAD against the standard deviation on normal data: n values estimate the
spread about as well as 0.37 n would for the standard deviation."""


@functools.lru_cache(maxsize=256)
def band_width(sensitivity: float, points: int, method: str = "zscore") -> float:
    """Half-width of the anomaly band in standard deviations for `points` past values.

    `sensitivity` is read as on a normal distribution (3: a 0.27 % two-sided tail). A mean
    and standard deviation estimated from n past values leave a new value's z-score
    Student-t distributed, (x - mean) / (s sqrt(1 + 1/n)) ~ t(n - 1), so the zscore band is
    the prediction interval with the same tail: t(n - 1) quantile x sqrt(1 + 1/n). It is
    wide for a short history (4 weekly points: 10.3 sd at sensitivity 3) and tends to
    `sensitivity` as the history grows (28 points: 3.36). The robust band uses the same
    form with the median's variance (pi/2 / n) and MAD's efficiency (t with 0.37 (n - 1)
    degrees of freedom), an approximation whose false-alert rate docs/ALERT_QUALITY.md
    measures."""
    tail = norm_sf(sensitivity)
    if method == "robust":
        return t_isf(tail, MAD_EFFICIENCY * (points - 1)) * math.sqrt(1.0 + math.pi / 2 / points)
    return t_isf(tail, points - 1) * math.sqrt(1.0 + 1.0 / points)


def centre_and_spread(values: list[float], method: str) -> tuple[float, float]:
    """(mean, sample standard deviation) for zscore; (median, 1.4826 x MAD) for robust,
    with 1.2533 x the mean absolute deviation from the median when MAD is 0."""
    import statistics

    if method == "robust":
        med = statistics.median(values)
        dev = [abs(v - med) for v in values]
        mad = statistics.median(dev)
        return med, (MAD_TO_SD * mad if mad > 0 else MEANAD_TO_SD * statistics.fmean(dev))
    return statistics.fmean(values), statistics.stdev(values)


def anomaly(value: float, history: list[float | None], sensitivity: float, direction: str = "both",
            method: str = "zscore", min_history: int = MIN_HISTORY) -> Verdict:
    """Fire when the value leaves centre ± band_width(sensitivity, n) × spread of its history.

    The centre and spread are the mean and standard deviation (`zscore`) or the median and
    1.4826 × MAD (`robust`) of the n finite past values. With fewer than `min_history` past
    values there is no verdict yet (`no_data`, saying so). A history without spread fires
    on any change.
    """
    values = [v for v in history if v is not None and math.isfinite(v)]
    skipped = sum(1 for v in history if v is not None and not math.isfinite(v))
    need = max(2, min_history)
    if len(values) < need:
        return Verdict(False, {"sensitivity": sensitivity},
                       f"{_fmt(value)}: {len(values)} past value(s), at least {need} are needed "
                       "to judge anomalies", status="no_data")
    centre, spread = centre_and_spread(values, method)
    width = band_width(sensitivity, len(values), method)
    lo, hi = centre - width * spread, centre + width * spread
    names = ("history_median", "history_sd_mad") if method == "robust" else ("history_mean", "history_std")
    threshold: dict[str, Any] = {"min": lo, "max": hi, "sensitivity": sensitivity, "band_sd": width,
                                 names[0]: centre, names[1]: spread, "history_points": len(values)}
    if method != "zscore":
        threshold["method"] = method
    _one_sided(threshold, direction)
    above_band, below_band = value > hi, value < lo
    if spread == 0:
        above_band, below_band = value > centre, value < centre
    fired = (above_band and direction in ("both", "up")) or (below_band and direction in ("both", "down"))
    z = (value - centre) / spread if spread else float("inf") if value != centre else 0.0
    what = "its median (spread 1.4826 x MAD)" if method == "robust" else "its mean"
    reason = (f"{_fmt(value)} is {abs(z):.1f} standard deviations {'above' if value >= centre else 'below'} "
              f"{what} {_fmt(centre)} over the last {len(values)} windows (allowed {width:.3g}: "
              f"sensitivity {sensitivity:g} for {len(values)} past values)")
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
