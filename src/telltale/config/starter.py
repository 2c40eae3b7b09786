"""`telltale init DIR`: a commented starter project that loads as written."""

from __future__ import annotations

from pathlib import Path

from telltale.errors import ConfigError

STARTER_CONFIG = """\
# telltale.yml: what to watch, how to judge it, and whom to tell.
# Reference: docs/config.md. Any string may use ${VAR} or ${VAR:-default}; keep secrets
# in the environment, never in this file.
version: 1

# Where telltale keeps its state (summaries, results, alerts). SQLAlchemy URL; a relative
# sqlite path is relative to this folder.
store: sqlite:///.telltale/state.db

# Warehouses. Types: duckdb, postgres, redshift, snowflake, bigquery, athena, s3, delta.
connections:
  wh:
    type: duckdb
    database: warehouse.duckdb          # relative to this folder
  # snow: {type: snowflake, account: "${SF_ACCOUNT}", user: "${SF_USER}",
  #        password: "${SF_PASSWORD}", warehouse: WH, database: ML, schema: PUBLIC}

# Custom metrics written in the metric language (globs relative to this folder).
metrics: [metrics/*.metric]

models:
  credit:
    type: binary                        # binary | multiclass | multilabel | regression | ranking
    connection: wh
    source: {table: predictions}        # or {sql: "select ..."} or {path: data/, format: parquet}
    id: prediction_id
    timestamp: predicted_at             # UTC; naive timestamps are taken as UTC
    version: model_version
    features:
      income: numeric
      age: numeric
      region: categorical
      has_car: boolean
    predictions:
      score: numeric
      approved: boolean
    actuals:
      defaulted: boolean                # null until the label arrives
    segments: [region]
    granularity: day                    # hour | day
    baseline: {window: {last: 28d, skip: 1d}}   # or {training: {table: training_set}}

monitors:
  - name: feature drift
    model: credit
    type: data_drift
    columns: [income, age, region]      # default: every feature
    method: psi                         # psi | js | hellinger | ks | wasserstein | chi2
    threshold: 0.2
    severity: high                      # low | medium | high
    schedule: "0 6 * * *"               # cron, UTC (quote it)
    notify: [ops]

  - name: score drift
    model: credit
    type: prediction_drift
    columns: [score]
    method: js

  - name: missing inputs
    model: credit
    type: missing_values
    columns: [income, age]
    detection: {absolute: {max: 0.05}}  # alert when more than 5 % are null
    notify: [ops]

  - name: traffic
    model: credit
    type: model_activity
    detection: {change: {percent: 50}}  # rows per day vs the baseline's mean rows per day

  - name: approval rate
    model: credit
    type: custom_metric
    metric: approval_rate               # defined in metrics/custom.metric
    detection: {anomaly: {sensitivity: 3, history: 28d}}
    segment: all                        # also once per region
    notify: [ops]

  - name: f1
    model: credit
    type: performance_degradation
    metric: f1
    window: 7d
    detection: {absolute: {min: 0.6}}

# Alert channels: webhook, slack, jira, pagerduty, newrelic (docs/alerts.md).
alerts:
  ops:
    type: webhook
    url: "${TELLTALE_WEBHOOK_URL:-http://127.0.0.1:9/hook}"
    secret: "${TELLTALE_WEBHOOK_SECRET:-}"
  # team: {type: slack, webhook_url: "${SLACK_WEBHOOK}"}
"""

STARTER_METRICS = """\
// Custom metrics in the metric language: one `metric NAME = expression` each.
// Fields are features.X, raw_inputs.X, predictions.X and actuals.X of the model.

// Share of applications the model approves.
metric approval_rate = count(predictions.approved[predictions.approved == True]) / count()

// Mean income of the approved applicants.
metric approved_income = mean(features.income[predictions.approved == True])
"""


def prepare_empty_folder(dir: Path, command: str) -> Path:
    """Make sure `dir` is a new or empty folder (creating it); ConfigError otherwise.

    `telltale init` and `telltale demo` write several files into their folder; they refuse a
    folder that holds anything, so no user's file is ever replaced.
    """
    root = Path(dir)
    try:
        if root.exists() and not root.is_dir():
            raise ConfigError(f"{root} is a file, not a folder; `telltale {command}` needs a new or "
                              "empty folder")
        if root.is_dir() and any(root.iterdir()):
            sub = root / ("telltale-project" if command == "init" else "telltale-demo")
            raise ConfigError(f"{root} is not empty; `telltale {command}` writes only into a new or "
                              "empty folder, so it never replaces your files: choose another "
                              f"folder, e.g. `telltale {command} {sub}`")
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the folder {root}: {exc.strerror or exc}; choose a folder "
                          "you can write to (no part of its path may be a file)") from None
    return root


def write_starter(dir: Path) -> list[Path]:
    """Write `telltale.yml` and `metrics/custom.metric` into `dir`, a new or empty folder.

    Returns the files written. Raises ConfigError if the folder holds anything or cannot
    be created; no file is ever overwritten.
    """
    root = prepare_empty_folder(Path(dir), "init")
    files = {root / "telltale.yml": STARTER_CONFIG, root / "metrics" / "custom.metric": STARTER_METRICS}
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8") as fh:
                fh.write(text)
    except OSError as exc:
        raise ConfigError(f"cannot write the starter project into {root}: {exc.strerror or exc}") from None
    return list(files)
