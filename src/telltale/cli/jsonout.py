"""The run's JSON for machines made strict: no NaN or infinity tokens (no rich here)."""

from __future__ import annotations

from typing import Any

from telltale.core.finite import finite_only as _clean
from telltale.core.finite import non_finite as _non_finite
from telltale.core.finite import null_note


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
            cleaned["message"] = f"{cleaned.get('message') or ''} ({null_note(found)})".strip()
        results.append(cleaned)
    rest: list[str] = []
    out = _clean({k: v for k, v in data.items() if k != "results"}, "", rest)
    out["results"] = results
    return {k: out[k] for k in data}
