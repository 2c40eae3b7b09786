"""Readable text of a notice, shared by the channels that write for people (Slack, JIRA)."""

from __future__ import annotations

from typing import Any, Mapping

STATUS_WORD = {"firing": "FIRING", "update": "STILL FIRING", "resolved": "RESOLVED"}


def segment_text(segment: Any) -> str:
    """`all rows` or `region=EU, plan=pro`."""
    if not segment:
        return "all rows"
    return ", ".join(f"{k}={v}" for k, v in dict(segment).items())


def number(value: Any) -> str:
    """A value as people read it (`0.31`, `1.2e+06`, `-` for none)."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


DRIFT_TYPES = ("data_drift", "prediction_drift")
"""Monitor types whose threshold fires when it is reached (>=) rather than passed (>)."""


def threshold_text(threshold: Any, monitor_type: Any = None) -> str:
    """`> 0.2` (drift: `>= 0.2`), `outside [0.1, 0.5]` or the rule as written."""
    if not isinstance(threshold, Mapping) or not threshold:
        return "-"
    lo, hi = threshold.get("min"), threshold.get("max")
    if set(threshold) <= {"min", "max"}:
        if lo is not None and hi is not None:
            return f"outside [{number(lo)}, {number(hi)}]"
        above = ">=" if monitor_type in DRIFT_TYPES else ">"
        return f"{above} {number(hi)}" if hi is not None else f"< {number(lo)}"
    return ", ".join(f"{k} {number(v)}" for k, v in threshold.items())


def range_text(rng: Any) -> str:
    """`2026-03-12T00:00:00Z .. 2026-03-13T00:00:00Z`, or `-`."""
    if not isinstance(rng, Mapping):
        return "-"
    return f"{rng.get('start')} .. {rng.get('end')}"


def title(payload: Mapping[str, Any], status: str | None = None) -> str:
    """`[FIRING] high: feature drift on credit.income (region=EU)`."""
    where = str(payload.get("model"))
    if payload.get("column"):
        where += f".{payload['column']}"
    if payload.get("segment"):
        where += f" ({segment_text(payload['segment'])})"
    word = STATUS_WORD.get(status or str(payload.get("status")), str(payload.get("status")).upper())
    return f"[{word}] {payload.get('severity')}: {payload.get('monitor')} on {where}"


def details(payload: Mapping[str, Any], dashboard_url: str | None = None) -> list[tuple[str, str]]:
    """(label, text) lines: model, monitor, column, segment, value vs threshold, window, baseline."""
    out = [("model", str(payload.get("model"))), ("monitor", f"{payload.get('monitor')} ({payload.get('type')})"),
           ("column", str(payload.get("column") or "-")), ("segment", segment_text(payload.get("segment"))),
           ("value", f"{payload.get('metric')} = {number(payload.get('value'))}, alert if "
                     f"{threshold_text(payload.get('threshold'), payload.get('type'))}"),
           ("window", range_text(payload.get("window"))), ("baseline", range_text(payload.get("baseline"))),
           ("alert id", str(payload.get("id"))), ("fired at", str(payload.get("fired_at")))]
    if payload.get("message"):
        out.append(("why", str(payload["message"])))
    if dashboard_url:
        out.append(("dashboard", dashboard_url))
    return out


def plain(payload: Mapping[str, Any], status: str | None = None, dashboard_url: str | None = None) -> str:
    """The title and the details as plain text lines."""
    return "\n".join([title(payload, status)] + [f"{k}: {v}" for k, v in details(payload, dashboard_url)])
