"""The drift view: per watched column, baseline vs focal histograms read from stored summaries.

No query reaches the warehouse: the per-bucket histograms (numeric columns, on the stored
grid) and value counts (categorical columns) that the last drift evaluation stored are
merged over its window and its baseline, as the run itself merged them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from telltale.core.grids import Grid
from telltale.core.timeutil import TimeRange, iso, parse_time
from telltale.monitors.context import column_partials
from telltale.runner.modelctx import model_fields, model_spec, summary_fingerprint
from telltale.runner.summaries import SummaryBook

if TYPE_CHECKING:
    from telltale.config.project import Project
    from telltale.store import Store


DRIFT_TYPES = ("data_drift", "prediction_drift")
DISPLAY_BINS = 32
TOP_VALUES = 12


def _range(obj: dict[str, Any] | None) -> TimeRange | None:
    if not obj or not obj.get("start") or not obj.get("end"):
        return None
    return TimeRange(parse_time(obj["start"]), parse_time(obj["end"]))


def latest_drift_points(store: Store, model: str) -> dict[tuple[str, str], Any]:
    """The latest all-rows point of each drift monitor and column of a model."""
    out: dict[tuple[str, str], Any] = {}
    for p in store.list_points(model=model):
        if (p.extra or {}).get("type") in DRIFT_TYPES and p.column and not p.segment_key:
            key = (p.monitor, p.column)
            if key not in out or p.at >= out[key].at:
                out[key] = p
    return out


def _numeric(grid: Grid, focal: dict[Any, Any], base: dict[Any, Any]) -> dict[str, Any]:
    f, b = grid.dense(focal), grid.dense(base)
    inner = grid.inner_edges()
    group = max(1, grid.bins // DISPLAY_BINS)
    # tails (bins -1 and `bins`) folded into the first and last display bins
    f_in, b_in = f[1:-1].copy(), b[1:-1].copy()
    f_in[0] += f[0]
    f_in[-1] += f[-1]
    b_in[0] += b[0]
    b_in[-1] += b[-1]
    n = len(f_in) // group
    fs = f_in[: n * group].reshape(n, group).sum(axis=1)
    bs = b_in[: n * group].reshape(n, group).sum(axis=1)
    edges = [float(inner[i * group]) for i in range(n)] + [float(inner[-1])]
    return {"kind": "numeric", "edges": edges, "focal": _shares(fs), "baseline": _shares(bs),
            "focal_count": int(f.sum()), "baseline_count": int(b.sum())}


def _shares(counts: np.ndarray) -> list[float]:
    total = float(counts.sum())
    return [float(c) / total if total else 0.0 for c in counts]


def _categorical(focal: dict[Any, Any], base: dict[Any, Any]) -> dict[str, Any]:
    ft, bt = sum(focal.values()) or 0, sum(base.values()) or 0
    names = sorted(set(focal) | set(base), key=lambda k: -(focal.get(k, 0) / (ft or 1) + base.get(k, 0) / (bt or 1)))
    shown = names[:TOP_VALUES]
    return {"kind": "categorical", "categories": ["NULL" if k is None else str(k) for k in shown],
            "focal": [focal.get(k, 0) / ft if ft else 0.0 for k in shown],
            "baseline": [base.get(k, 0) / bt if bt else 0.0 for k in shown],
            "focal_count": int(ft), "baseline_count": int(bt), "more": max(0, len(names) - len(shown))}


def drift_view(project: Project, store: Store, model: str) -> list[dict[str, Any]]:
    """Per drift monitor and column: value, status, and the two histograms (shares per bin)."""
    spec = model_spec(project, model)
    fingerprint = summary_fingerprint(project, spec)
    fields = {f.name: f for f in model_fields(project, model).values() if f.group in ("features", "predictions")}
    grids = {k: Grid.from_json(g) for k, g in store.get_grids(model, fingerprint=fingerprint).items()}
    out = []
    for (monitor, column), p in sorted(latest_drift_points(store, model).items()):
        f = fields.get(column)
        focal = TimeRange(p.window_start, p.window_end) if p.window_start and p.window_end else None
        base = _range((p.extra or {}).get("baseline"))
        item: dict[str, Any] = {"monitor": monitor, "column": column, "metric": p.metric, "value": p.value,
                                "status": p.status, "at": iso(p.at), "threshold": (p.extra or {}).get("threshold"),
                                "window": focal.as_json() if focal else None,
                                "baseline": base.as_json() if base else None, "histogram": None, "note": None}
        if f is None or focal is None or base is None:
            item["note"] = ("the baseline is a training data set, read whole at each run and not stored"
                            if f is not None and focal is not None else "no stored window for this point")
            out.append(item)
            continue
        part = column_partials(f)["hist" if f.is_numeric else "values"]
        book = SummaryBook(spec.step, grids=grids)
        start: datetime = min(focal.start, base.start)
        stored = store.get_partials(model, spec.granularity, start, max(focal.end, base.end),
                                    partial_keys={part.key}, fingerprint=fingerprint)
        book.add(stored.values)
        fv, bv = book.merged(focal, None).get(part) or {}, book.merged(base, None).get(part) or {}
        if f.is_numeric:
            grid = grids.get(part.grid_key)
            if grid is None:
                item["note"] = "no histogram grid is stored for this column"
            else:
                item["histogram"] = _numeric(grid, fv, bv)
        else:
            item["histogram"] = _categorical(fv, bv)
        if item["histogram"] and not (item["histogram"]["focal_count"] or item["histogram"]["baseline_count"]):
            item["histogram"] = None
            item["note"] = ("the summaries of this window are not stored for the current source "
                            "(the project or its warehouse moved, or the source changed); the next run stores them")
        out.append(item)
    return out
