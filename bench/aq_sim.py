"""The alert-quality study's windows and telltale's verdicts on them (see alert_quality.py).

Each window's summaries are computed in numpy exactly as the planner's SQL computes them:
the partials of `monitors.context.column_partials` (row/non-null/finite counts, sums, min,
max, the `Grid` histogram via `Grid.bin_of`, value counts cut by `planner.queries.top_values`;
new_values' own counts cut at its `max_values` as planner/capped.py cuts them in SQL: the
most frequent values, ties by value, the rest's rows under `__other__`).
They go into a `SummaryBook` and through each monitor type's own `evaluate`, as the runner
calls it. Categorical value counts of n independent rows are drawn as the multinomial they
are; numeric columns are drawn row by row.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import numpy as np
from pydantic import TypeAdapter

from telltale.core.fields import Field
from telltale.core.grids import Grid
from telltale.core.partials import count_rows
from telltale.core.timeutil import TimeRange
from telltale.monitors.base import MonitorBase
from telltale.monitors.context import EvalContext, column_partials
from telltale.monitors.new_values import NewValuesMonitor, values_partial
from telltale.monitors.registry import REGISTRY, Monitor
from telltale.planner.queries import top_values
from telltale.runner.summaries import SummaryBook
from telltale.stats.drift import NumericSummary, psi

def _cache_column_partials() -> None:
    """Memoise `column_partials` (a pure function of the field) in every module that uses it:
    building its sqlglot keys is 90 % of an evaluation's time, and the study evaluates
    millions of times. The values it returns are unchanged."""
    import sys

    import telltale.monitors.context as context_module

    original = context_module.column_partials
    cache: dict[Field, dict[str, Any]] = {}

    def cached(f: Field) -> dict[str, Any]:
        if f not in cache:
            cache[f] = original(f)
        return dict(cache[f])

    for mod in list(sys.modules.values()):
        if getattr(mod, "__name__", "").startswith("telltale.") and getattr(mod, "column_partials", None) is original:
            mod.column_partials = cached  # type: ignore[attr-defined]


_cache_column_partials()

DAY = timedelta(days=1)
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
X = Field("x", "features", "x", "numeric")
C = Field("c", "features", "c", "categorical")
NUMERIC_METHODS = ("psi", "js", "hellinger", "ks", "wasserstein", "chi2")
CATEGORICAL_METHODS = ("psi", "js", "hellinger", "chi2")
PSI_TARGETS = (0.1, 0.2)
TOP_VALUES = 100   # the model default (config.models: top_values)
MAX_VALUES: int = NewValuesMonitor.model_fields["max_values"].default   # new_values' default cap

# ------------------------------------------------------------------ shapes and shifts


def _zero_inflated(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.exponential(1.0, n)
    x[rng.random(n) < 0.6] = 0.0
    return x


SHAPES: dict[str, Callable[[np.random.Generator, int], np.ndarray]] = {
    "normal": lambda r, n: r.standard_normal(n),
    "heavy-tailed (t3)": lambda r, n: r.standard_t(3, n),
    "skewed (lognormal)": lambda r, n: r.lognormal(0.0, 1.0, n),
    "integer (Poisson 4)": lambda r, n: r.poisson(4.0, n).astype(np.float64),
    "zero-inflated (60% zeros)": _zero_inflated,
}
INTEGER = {"integer (Poisson 4)"}
ZERO_INFLATED = {"zero-inflated (60% zeros)"}


def shifted(shape: str, kind: str, x: np.ndarray, param: float, ref: dict[str, float]) -> np.ndarray:
    """`x` under a mean shift or a scale shift of size `param`.

    Mean: + param x sd (integer: +2 on a share `param` of the rows; zero-inflated: on the
    non-zero rows, so the amounts grow). Scale: the spread about the median x (1 + param)
    (integer: a share `param` of the rows spread x 2, rounded), so every shift's PSI
    grows smoothly with `param`."""
    if kind == "mean":
        if shape in INTEGER:
            out = x.copy()
            out[: int(round(param * x.size))] += 2.0
            return out
        if shape in ZERO_INFLATED:
            return np.where(x != 0, x + param * ref["sd"], x)
        return x + param * ref["sd"]
    if shape in INTEGER:
        out = x.copy()
        k = int(round(min(param, 1.0) * x.size))
        out[:k] = np.round(ref["median"] + (x[:k] - ref["median"]) * 2.0)
        return out
    return ref["median"] + (x - ref["median"]) * (1.0 + param)


SHIFT_KINDS = ("mean", "scale")
PARAM_MAX = {"mean": 1.0, "scale": 4.0}


def bins_of(grid: Grid, x: np.ndarray) -> np.ndarray:
    """`Grid.bin_of` computed in place (the same operations in the same order, so the same
    bins), shifted by one for `bincount`."""
    b = np.subtract(x, grid.lo)
    b *= grid.bins / (grid.hi - grid.lo)
    np.floor(b, out=b)
    np.clip(b, -1, grid.bins, out=b)
    b += 1
    return b.astype(np.int64)


def numeric_summary_of(grid: Grid, x: np.ndarray) -> dict[str, Any]:
    """The partial values of `column_partials(X)` over the values `x` (finite, no NULLs)."""
    p = column_partials(X)
    counts = np.bincount(bins_of(grid, x), minlength=grid.bins + 2)
    hist = {int(i) - 1: int(counts[i]) for i in np.flatnonzero(counts)}
    return {p["rows"].key: int(x.size), p["count"].key: int(x.size), p["finite"].key: int(x.size),
            p["sum"].key: float(x.sum()), p["sumsq"].key: float(np.dot(x, x)),
            p["min"].key: float(x.min()), p["max"].key: float(x.max()), p["hist"].key: hist}


def calibrate(shape: str, grid: Grid, base: np.ndarray, focal: np.ndarray, ref: dict[str, float],
              kind: str, target: float) -> tuple[float, float]:
    """The shift parameter whose population PSI (telltale's PSI on two 500k-row samples) is
    `target`, by bisection: (parameter, PSI reached)."""
    b = NumericSummary.from_values(grid, base)
    lo, hi = 0.0, PARAM_MAX[kind] if shape not in INTEGER else 1.0
    val = math.nan
    for _ in range(16):
        mid = (lo + hi) / 2
        val = psi(b, NumericSummary.from_values(grid, shifted(shape, kind, focal, mid, ref))).value or 0.0
        lo, hi = (mid, hi) if val < target else (lo, mid)
    return (lo + hi) / 2, val


# ------------------------------------------------------------------ categorical

CAT_SHAPES: dict[str, np.ndarray] = {
    "5 categories": np.array([0.40, 0.25, 0.15, 0.12, 0.08]),
    "long tail (Zipf, 300 categories)": (lambda w: w / w.sum())(1.0 / np.arange(1, 301) ** 1.1),
    "binary label (20% positive)": np.array([0.8, 0.2]),
}


def mixed(p: np.ndarray, w: float) -> np.ndarray:
    """Category-mix change: (1 - w) p + w reversed(p) (mass moves to rare categories); for
    the binary label a label shift of the positive share."""
    return (1.0 - w) * p + w * p[::-1]


def cat_counts(counts: np.ndarray) -> dict[str, int]:
    """Value counts as the `values` partial holds them (top TOP_VALUES, the rest `__other__`)."""
    return top_values({f"v{i}": int(c) for i, c in enumerate(counts) if c}, TOP_VALUES)


def cat_psi(p: np.ndarray, q: np.ndarray) -> float:
    """Population PSI of two category distributions (telltale's PSI on expected counts)."""
    big = 1e12
    return psi(cat_counts(np.round(p * big)), cat_counts(np.round(q * big))).value or 0.0


def calibrate_mix(p: np.ndarray, target: float) -> float:
    """The mix weight w whose population PSI is `target`."""
    lo, hi = 0.0, 0.5
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cat_psi(p, mixed(p, mid)) < target else (lo, mid)
    return (lo + hi) / 2


def values_summary_of(counts: np.ndarray, extra: dict[str, int] | None = None) -> dict[str, Any]:
    """Row count, non-null count, the `values` partial of category counts (cut at the model's
    `top_values`, read by drift) and new_values' capped partial (cut at its default
    `max_values`: the SQL keeps the most frequent values, ties by value, and the rows of
    the rest, which `top_values` computes the same way)."""
    p = column_partials(C)
    vals = {f"v{i}": int(c) for i, c in enumerate(counts) if c}
    vals.update(extra or {})
    total = sum(vals.values())
    return {p["rows"].key: total, p["count"].key: total, p["values"].key: top_values(vals, TOP_VALUES),
            values_partial(C, MAX_VALUES).key: top_values(dict(vals), MAX_VALUES)}


# ------------------------------------------------------------------ evaluation


def monitor(type_: str, **cfg: Any) -> MonitorBase:
    """A validated monitor config, as `telltale.yml` would give it."""
    return TypeAdapter(Monitor).validate_python({"name": type_, "model": "m", "type": type_, **cfg})


def context(fields: list[Field], buckets: dict[int, dict[str, Any]], focal_day: int,
            baseline_days: int | None, grids: dict[str, Grid] | None = None) -> EvalContext:
    """An EvalContext over day-buckets (day index -> partial values), focal on `focal_day`."""
    book = SummaryBook(step=DAY, grids=dict(grids or {}))
    book.add({(T0 + d * DAY, ""): v for d, v in buckets.items()})
    focal = TimeRange(T0 + focal_day * DAY, T0 + (focal_day + 1) * DAY)
    base = (TimeRange(T0 + (focal_day - baseline_days) * DAY, focal.start)
            if baseline_days else None)
    return EvalContext(model="m", model_type="regression", fields={f"{f.group}.{f.name}": f for f in fields},
                       focal=focal, baseline=base, at=focal.end, step=DAY, segments=(),
                       merged=book.merged, segment_values=book.segment_values,
                       compile_metric=lambda name: None, monitor_columns=lambda cfg: fields)


def evaluate(cfg: MonitorBase, ctx: EvalContext) -> tuple[float | None, str]:
    """(value, status) of a one-result monitor, through its registered `evaluate`."""
    (r,) = REGISTRY[cfg.type_name].evaluate(cfg, ctx)
    return r.value, r.status


DRIFT_CONFIGS = {m: monitor("data_drift", columns=["x"], method=m) for m in NUMERIC_METHODS}
CAT_CONFIGS = {m: monitor("data_drift", columns=["c"], method=m) for m in CATEGORICAL_METHODS}


def drift_pair(field: Field, base: dict[str, Any], focal: dict[str, Any], grid: Grid | None,
               configs: dict[str, MonitorBase]) -> dict[str, tuple[float | None, str]]:
    """Every method's (value, status) on one baseline/focal pair of summaries."""
    grids = {column_partials(field)["hist"].grid_key: grid} if grid is not None else {}
    ctx = context([field], {0: base, 1: focal}, 1, 1, grids)
    return {m: evaluate(cfg, ctx) for m, cfg in configs.items()}


def rows_only(n: int) -> dict[str, Any]:
    """A bucket's row count alone (model_activity)."""
    return {count_rows().key: int(n)}
