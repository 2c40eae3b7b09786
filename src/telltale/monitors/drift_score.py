"""The model-level drift score of `method: score` (as Aporia's): the importance-weighted mean
of the 0-1 scores of the columns (JS distance for numeric, Hellinger for categorical).

    score = sum_c w_c s_c / sum_c w_c

over the columns that have a score in the window; `importance: {col: w}` gives the
weights (columns not listed weigh 0), none given = every column weighs 1. A weighted
column without a score (no values in the window or the baseline) is left out and named
in the message, so the score is explicit about what it covers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from telltale.core.results import MonitorResult
from telltale.monitors.common import make_result, segments_for
from telltale.monitors.context import EvalContext
from telltale.monitors.detection import at_least

if TYPE_CHECKING:
    from telltale.monitors.drift import DriftMonitorBase


def _weights(cfg: DriftMonitorBase, columns: list[str]) -> dict[str, float]:
    if cfg.importance is None:
        return dict.fromkeys(columns, 1.0)
    return {c: float(cfg.importance.get(c, 0.0)) for c in columns}


def model_scores(cfg: DriftMonitorBase, ctx: EvalContext,
                 column_results: list[MonitorResult]) -> list[MonitorResult]:
    """One model-level score per segment from the per-column results of the same run."""
    out = []
    for seg in segments_for(cfg, ctx):
        mine = [r for r in column_results if r.segment == seg and r.column is not None]
        weights = _weights(cfg, [r.column for r in mine if r.column is not None])
        scored = {r.column: r.value for r in mine if r.column is not None and r.value is not None
                  and math.isfinite(r.value) and r.status in ("ok", "alert")}
        used = {c: w for c, w in weights.items() if w > 0 and c in scored}
        missing = sorted(c for c, w in weights.items() if w > 0 and c not in scored)
        note = f"; left out (no score in the window): {', '.join(missing)}" if missing else ""
        total = sum(used.values())
        value = sum(w * scored[c] for c, w in used.items()) / total if total > 0 else None
        verdict = at_least(value, cfg.threshold) if value is not None else None
        extra = {"weights": {c: w / total for c, w in used.items()} if total else {},
                 "column_scores": {c: scored[c] for c in used}}
        out.append(make_result(cfg, ctx, column=None, segment=seg, metric="score", value=value,
                               verdict=verdict, baseline=ctx.baseline, extra=extra, note=note,
                               reason="no column with a weight above 0 has a score in the window"))
    return out
