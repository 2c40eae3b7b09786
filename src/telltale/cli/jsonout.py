"""The run's JSON for machines made strict: no NaN or infinity tokens (no rich here)."""

from __future__ import annotations

import math
from typing import Any


def _non_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _clean(value: Any, path: str, found: list[str]) -> Any:
    """`value` with every NaN or infinity replaced by None; their paths are added to `found`."""
    if _non_finite(value):
        found.append(f"{path} was {value}")
        return None
    if isinstance(value, dict):
        return {k: _clean(v, f"{path}.{k}" if path else str(k), found) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v, f"{path}[{i}]", found) for i, v in enumerate(value)]
    return value


def strict_json(report: Any) -> dict[str, Any]:
    """The run's JSON object with no NaN or infinity: such numbers become null, and the
    result's message says which were replaced and what they were."""
    data = report.as_json()
    results = []
    for i, item in enumerate(data.get("results", [])):
        found: list[str] = []
        original = report.results[i].value if i < len(report.results) else None
        if _non_finite(original) and item.get("value") is None:
            found.append(f"value was {original}")
        cleaned = _clean(item, "", found)
        if found:
            note = "JSON has no NaN or infinity, so null is shown: " + "; ".join(found)
            cleaned["message"] = f"{cleaned.get('message') or ''} ({note})".strip()
        results.append(cleaned)
    rest: list[str] = []
    out = _clean({k: v for k, v in data.items() if k != "results"}, "", rest)
    out["results"] = results
    return {k: out[k] for k in data}
