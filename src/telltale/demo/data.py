"""Synthetic credit-model predictions with known events injected, for the demo and tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa


@dataclass(frozen=True)
class DemoEvents:
    """What the demo injects into the last days (all days counted back from `end`)."""

    days: int = 60
    rows_per_day: int = 3000
    income_shift_days: int = 2       # income drifts up 35% in the last 2 days
    new_region_days: int = 1         # region LATAM appears on the last day
    null_spike_days: int = 1         # 25% of age is missing on the last day
    volume_drop_days: int = 1        # volume falls to 40% on the last day
    label_delay_days: int = 3        # labels arrive 3 days late
    label_shift_days: int = 12       # defaults rise from 12 days before the end


def generate(end: datetime, events: DemoEvents = DemoEvents(), seed: int = 7) -> tuple[pa.Table, pa.Table]:
    """(predictions, labels) tables covering `events.days` days before `end` (UTC midnight)."""
    rng = np.random.default_rng(seed)
    start = end - timedelta(days=events.days)
    preds: dict[str, list] = {k: [] for k in ("prediction_id", "predicted_at", "model_version", "income",
                                               "age", "region", "has_car", "default_score", "predicted_default")}
    labels: dict[str, list] = {"prediction_id": [], "defaulted": [], "labeled_at": []}
    next_id = 0
    for d in range(events.days):
        day = start + timedelta(days=d)
        back = events.days - d        # 1 = the last day
        n = events.rows_per_day
        if back <= events.volume_drop_days:
            n = int(n * 0.4)
        n = int(n * rng.uniform(0.95, 1.05))
        income = rng.lognormal(mean=10.8, sigma=0.45, size=n)
        if back <= events.income_shift_days:
            income *= 1.35
        age = rng.normal(41, 11, size=n).clip(18, 90).round()
        age_obj = age.astype(object)
        if back <= events.null_spike_days:
            age_obj[rng.random(n) < 0.25] = None
        regions = np.array(["EU", "US", "APAC"])
        region = regions[rng.choice(3, size=n, p=[0.45, 0.4, 0.15])].astype(object)
        if back <= events.new_region_days:
            region[rng.random(n) < 0.2] = "LATAM"
        has_car = rng.random(n) < 0.55
        risk = -1.2 - (np.log(income) - 10.8) * 2.0 - (age - 41) / 20 - has_car * 0.4
        score = 1 / (1 + np.exp(-(risk + rng.normal(0, 0.5, n))))
        predicted_default = score >= 0.3
        p_default = 1 / (1 + np.exp(-risk))
        if back <= events.label_shift_days:
            # the world changed: high earners start to default, which the model calls safe
            p_default = 1 / (1 + np.exp(-(risk + 2.5 * (np.log(income) > 10.8))))
        defaulted = rng.random(n) < p_default
        seconds = np.sort(rng.integers(0, 86400, size=n))
        ids = np.arange(next_id, next_id + n)
        next_id += n
        preds["prediction_id"] += ids.tolist()
        preds["predicted_at"] += [day + timedelta(seconds=int(s)) for s in seconds]
        preds["model_version"] += ["v2" if back <= 20 else "v1"] * n
        preds["income"] += income.round(2).tolist()
        preds["age"] += age_obj.tolist()
        preds["region"] += region.tolist()
        preds["has_car"] += has_car.tolist()
        preds["default_score"] += score.round(6).tolist()
        preds["predicted_default"] += predicted_default.tolist()
        if back > events.label_delay_days:
            labels["prediction_id"] += ids.tolist()
            labels["defaulted"] += defaulted.tolist()
            labels["labeled_at"] += [day + timedelta(days=events.label_delay_days)] * n
    naive = [t.replace(tzinfo=None) for t in preds["predicted_at"]]
    pt = pa.table({**preds, "predicted_at": pa.array(naive, pa.timestamp("us")),
                   "age": pa.array(preds["age"], pa.float64())})
    lt = pa.table({**labels, "labeled_at": pa.array([t.replace(tzinfo=None) for t in labels["labeled_at"]],
                                                    pa.timestamp("us"))})
    return pt, lt


def write_warehouse(path: Path, end: datetime, events: DemoEvents = DemoEvents(), seed: int = 7) -> None:
    """Write `predictions` and `labels` tables into a new DuckDB file (FileExistsError if
    the file exists: a user's warehouse is never replaced)."""
    import duckdb

    if path.exists():
        raise FileExistsError(f"{path} exists; the demo writes only a new warehouse file")
    preds, labels = generate(end, events, seed)
    con = duckdb.connect(str(path))
    try:
        con.register("preds_arrow", preds)
        con.register("labels_arrow", labels)
        con.execute("CREATE TABLE predictions AS SELECT * FROM preds_arrow")
        con.execute("CREATE TABLE labels AS SELECT * FROM labels_arrow")
    finally:
        con.close()


def demo_end(now: datetime | None = None) -> datetime:
    """The demo's data ends at the last UTC midnight."""
    now = now or datetime.now(timezone.utc)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)
