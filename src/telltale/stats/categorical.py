"""Category counts of two sides aligned for a drift distance, `__other__` taken into account."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

OTHER = "__other__"
"""The key under which a bucket's value counts fold the categories beyond its `top_values`
(the same string as `planner.queries.OTHER`)."""


def aligned_counts(base: Mapping, focal: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """Aligned count vectors over the union of categories.

    When a side's counts were cut to its top values (it holds `__other__`), a category the
    other side lists but this side does not may well sit in this side's `__other__`; such
    categories are folded into `__other__` on both sides, so the two sides compare like
    with like. Without this, the categories near the cut (listed on one side only) read
    as drift: a 300-category column gave a PSI of 0.06-0.17 between two samples of one
    distribution (docs/ALERT_QUALITY.md)."""
    base_cut, focal_cut = bool(base.get(OTHER)), bool(focal.get(OTHER))
    listed_b = {k for k in base if k != OTHER}
    listed_f = {k for k in focal if k != OTHER}
    if base_cut and focal_cut:
        kept = listed_b & listed_f
    elif base_cut:
        kept = listed_b
    elif focal_cut:
        kept = listed_f
    else:
        kept = listed_b | listed_f
    keys = sorted(kept, key=lambda k: (k is None, str(k)))

    def vector(side: Mapping) -> np.ndarray:
        counts = [float(side.get(k, 0) or 0) for k in keys]
        rest = float(sum(float(v or 0) for k, v in side.items() if k not in kept))
        return np.array(counts + [rest])

    return vector(base), vector(focal)
