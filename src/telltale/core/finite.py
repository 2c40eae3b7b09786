"""JSON has no NaN or infinity: such numbers become null, and where they were is said."""

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
