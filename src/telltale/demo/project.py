"""`telltale demo`: a whole monitoring project on an embedded DuckDB warehouse."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from telltale.demo.data import DemoEvents, demo_end, write_warehouse

CONFIG = """\
# The telltale demo: a credit model's predictions in an embedded DuckDB warehouse.
# Injected in the last days: income drifts up, a new region (LATAM) appears, age goes
# missing, volume drops, and defaults rise (labels arrive 3 days late).
version: 1
store: sqlite:///.telltale/state.db
connections:
  wh: {type: duckdb, database: warehouse.duckdb}
metrics: [metrics/*.metric]
models:
  credit:
    type: binary
    connection: wh
    source: {table: predictions}
    id: prediction_id
    timestamp: predicted_at
    version: model_version
    features: {income: numeric, age: numeric, region: categorical, has_car: boolean}
    predictions: {default_score: numeric, predicted_default: boolean}
    actuals: {defaulted: boolean}
    actuals_source:
      source: {table: labels}
      id: prediction_id
      timestamp: labeled_at
    segments: [region]
    granularity: day
    baseline: {window: {last: 28d, skip: 1d}}
monitors:
  - name: feature drift
    model: credit
    type: data_drift
    columns: [income, age, region, has_car]
    method: psi
    threshold: 0.2
    window: 1d
    severity: high
  - name: income distribution (KS)
    model: credit
    type: data_drift
    columns: [income]
    method: ks
    threshold: 0.1
  - name: score drift
    model: credit
    type: prediction_drift
    columns: [default_score]
    method: js
    threshold: 0.1
  - name: missing age
    model: credit
    type: missing_values
    columns: [age, income]
    detection: {absolute: {max: 0.05}}
  - name: new regions
    model: credit
    type: new_values
    columns: [region]
  - name: prediction volume
    model: credit
    type: model_activity
    detection: {change: {percent: 30}}
  - name: approval rate
    model: credit
    type: custom_metric
    metric: approval_rate
    detection: {change: {percent: 15}}
    segment: all
  - name: mean income
    model: credit
    type: metric_change
    columns: [income]
    statistic: mean
    detection: {change: {percent: 20}}
  - name: recall on labeled rows
    model: credit
    type: performance_degradation
    metric: default_recall
    window: 7d
    detection: {change: {percent: 20}}
"""

METRICS = """\
// Custom metrics for the demo, in telltale's metric language (Aporia-compatible).
metric approval_rate = count(predictions.predicted_default[predictions.predicted_default == False]) / count()
metric avg_income_with_car = sum(features.income[features.has_car == True]) / count(features.income[features.has_car == True])
metric default_recall = recall(predictions.predicted_default, actuals.defaulted)
"""


def write_project(directory: Path, end: datetime, events: DemoEvents = DemoEvents()) -> None:
    """Write the warehouse, telltale.yml and the metric file into a new or empty folder.

    Raises ConfigError (nothing written) if the folder holds anything.
    """
    from telltale.config.starter import prepare_empty_folder
    from telltale.errors import ConfigError

    root = prepare_empty_folder(directory, "demo")
    try:
        (root / "metrics").mkdir()
        write_warehouse(root / "warehouse.duckdb", end, events)
        with open(root / "telltale.yml", "x", encoding="utf-8") as fh:
            fh.write(CONFIG)
        with open(root / "metrics" / "credit.metric", "x", encoding="utf-8") as fh:
            fh.write(METRICS)
    except OSError as exc:
        raise ConfigError(f"cannot write the demo project into {root}: {exc.strerror or exc}") from None


def default_demo_folder(parent: Path) -> Path:
    """`telltale-demo` under `parent`, or the first of `telltale-demo-2`, `-3`, ... that is new or
    empty: running the demo again never touches an earlier demo folder (nor anyone's files)."""
    for n in range(1, 1000):
        candidate = parent / ("telltale-demo" if n == 1 else f"telltale-demo-{n}")
        if not candidate.exists() or (candidate.is_dir() and not any(candidate.iterdir())):
            return candidate
    return parent / "telltale-demo"   # all taken: the usual "not empty" refusal names it


def run_demo(directory: Path, console: Any = None) -> tuple[Any, datetime]:
    """Build the demo project in `directory` (new or empty) and run every monitor at the end
    of its data."""
    from telltale.config import load_project
    from telltale.runner.run import run_project

    from telltale.config.starter import prepare_empty_folder

    prepare_empty_folder(directory, "demo")   # refuse a folder that holds anything, first
    end = demo_end()
    if console is not None:
        console.print(f"Writing 60 days of synthetic credit-model predictions to {directory}/warehouse.duckdb ...",
                      markup=False, highlight=False)
    write_project(directory, end)
    project = load_project(directory)
    if console is not None:
        console.print(f"Running {len(project.config.monitors)} monitors at {end:%Y-%m-%d %H:%M} UTC "
                      "(each pushes down aggregates only) ...\n", markup=False, highlight=False)
    return run_project(project, at=end), end
