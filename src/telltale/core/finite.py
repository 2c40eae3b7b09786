"""JSON has no NaN or infinity: such numbers become null, and where they were is said
(`run --json`, `Report.as_json()`, `history --json`)."""

from __future__ import annotations

import math
from typing import Any


def non_finite(value: Any) -> bool:
    """True for a float NaN or infinity."""
    return isinstance(value, float) and not math.isfinite(value)


def finite_only(value: Any, path: str, found: list[str]) -> Any:
    """`value` with every NaN or infinity replaced by None; their paths are added to `found`."""
    if non_finite(value):
        found.append(f"{path} was {value}")
        return None
    if isinstance(value, dict):
        return {k: finite_only(v, f"{path}.{k}" if path else str(k), found) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_only(v, f"{path}[{i}]", found) for i, v in enumerate(value)]
    return value


def null_note(found: list[str]) -> str:
    """The note added to a message when numbers were replaced by null."""
    return "JSON has no NaN or infinity, so null is shown: " + "; ".join(found)


def strict_json(report: Any) -> dict[str, Any]:
    """A run's JSON object (`report.as_json()`) with no NaN or infinity: such numbers become
    null, and the result's message says which were replaced and what they were."""
    data = report.as_json()
    results = []
    for i, item in enumerate(data.get("results", [])):
        found: list[str] = []
        original = report.results[i].value if i < len(report.results) else None
        if non_finite(original) and item.get("value") is None:
            found.append(f"value was {original}")
        cleaned = finite_only(item, "", found)
        if found:
            cleaned["message"] = f"{cleaned.get('message') or ''} ({null_note(found)})".strip()
        results.append(cleaned)
    rest: list[str] = []
    out = finite_only({k: v for k, v in data.items() if k != "results"}, "", rest)
    out["results"] = results
    return {k: out[k] for k in data}
