"""Shared fixtures of the config tests: a full valid telltale.yml and error helpers."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

import pytest

from telltale.config import ConfigProblems, ParsedConfig, parse_config

ENV = {
    "SF_ACCOUNT": "acme-xy12345", "SF_USER": "telltale", "SF_PASSWORD": "pw",
    "PG_PASSWORD": "pgpw", "HOOK_SECRET": "s3cret", "JIRA_URL": "https://acme.atlassian.net",
    "JIRA_USER": "bot@acme.io", "JIRA_TOKEN": "jt", "NEW_RELIC_LICENSE_KEY": "nrkey",
    "SLACK_WEBHOOK": "https://hooks.slack.com/services/T/B/X", "PD_ROUTING_KEY": "pdkey",
}

FULL = textwrap.dedent("""\
    version: 1
    store: sqlite:///.telltale/state.db
    connections:
      wh: {type: duckdb, database: warehouse.duckdb, timeout: 30}
      pg:
        type: postgres
        host: db.internal
        port: ${PG_PORT:-5432}
        database: ml
        user: telltale
        password: "${PG_PASSWORD}"
        sslmode: require
        schema: public
      pgurl: {type: postgres, url: "postgresql://telltale:${PG_PASSWORD}@db:5432/ml"}
      rs:
        type: redshift
        database: dev
        driver: redshift_connector
        iam: {cluster_identifier: analytics, region: eu-west-1, profile: ml}
      snow: {type: snowflake, account: "${SF_ACCOUNT}", user: "${SF_USER}",
             password: "${SF_PASSWORD}", warehouse: WH, database: ML, schema: PUBLIC,
             role: MONITOR, query_tag: telltale-test, endpoint: "localhost:8080"}
      bq:
        type: bigquery
        project: acme-ml
        dataset: predictions
        location: EU
        credentials_file: keys/bq.json
        labels: {team: ml}
        max_bytes_billed: 1000000000
        endpoint: http://localhost:9050
      ath: {type: athena, region: eu-west-1, workgroup: primary,
            s3_staging_dir: "s3://acme-athena/results/", database: ml, catalog: AwsDataCatalog,
            profile: ml, options: {poll_interval: 1}}
      lake: {type: s3, region: eu-west-1, endpoint: "http://localhost:9000"}
      dl: {type: delta, storage_options: {AWS_REGION: eu-west-1}}
    metrics: [metrics/*.metric]
    models:
      credit:
        type: binary
        connection: wh
        source: {table: predictions}
        id: prediction_id
        timestamp: predicted_at
        version: model_version
        features:
          income: numeric
          age: {column: age_years, type: numeric}
          region: categorical
          has_car: boolean
        raw_inputs: {zip: categorical}
        predictions: {score: numeric, approved: boolean}
        actuals: {defaulted: boolean}
        actuals_source:
          source: {table: labels}
          id: prediction_id
          timestamp: labeled_at
        segments: [region]
        granularity: day
        baseline: {window: {last: 28d, skip: 1d}}
        histogram_bins: 64
        top_values: 50
        late_data: 2d
      houses:
        type: regression
        connection: lake
        source: {path: "s3://acme/houses/", format: parquet, partitioning: hive}
        timestamp: ts
        features: {sqft: numeric, city: categorical}
        predictions: {price: numeric}
        actuals: {price: numeric}
        granularity: hour
        baseline: {training: {path: "s3://acme/houses-train/"}}
      search:
        type: ranking
        connection: dl
        source: {path: tables/search}
        id: row_id
        query_id: query_id
        timestamp: ts
        features: {position: numeric}
        predictions: {rank_score: numeric}
        actuals: {clicked: boolean}
      churn:
        type: multiclass
        connection: snow
        source: {sql: "select * from churn_predictions"}
        timestamp: ts
        predictions: {label: categorical}
      tags:
        type: multilabel
        connection: bq
        source: {table: tags}
        timestamp: ts
        predictions: {tag_a: boolean, tag_b: boolean}
    monitors:
      - name: feature drift
        model: credit
        type: data_drift
        columns: [income, age, region, raw_inputs.zip]
        method: psi
        threshold: 0.2
        window: 1d
        severity: high
        schedule: "0 6 * * *"
        notify: [ops, nr]
        cooldown: 6h
        daily_cap: 5
      - name: numeric drift
        model: credit
        type: data_drift
        method: ks
      - name: score drift
        model: credit
        type: prediction_drift
        columns: [score]
        method: js
        baseline: {training: {table: training_set}}
      - name: missing
        model: credit
        type: missing_values
        columns: [income, score, actuals.defaulted]
        detection: {absolute: {max: 0.05}}
      - name: new regions
        model: credit
        type: new_values
        columns: [region]
        min_share: 0.01
      - name: income range
        model: credit
        type: value_range
        columns: [income]
        margin: 0.1
      - name: age bounds
        model: credit
        type: value_range
        columns: [age]
        detection: {absolute: {min: 18, max: 120}}
      - name: traffic
        model: credit
        type: model_activity
        detection: {change: {percent: 50, direction: down}}
        segment: {region: EU}
      - name: stale
        model: credit
        type: model_staleness
        max_age: 2d
        on: version
      - name: mean income
        model: credit
        type: metric_change
        columns: [income]
        statistic: mean
        detection: {anomaly: {sensitivity: 3, history: 28d, seasonality: weekly, direction: up}}
      - name: f1
        model: credit
        type: performance_degradation
        metric: f1
        window: 7d
        detection: {absolute: {min: 0.6}}
      - name: approval rate
        model: credit
        type: custom_metric
        metric: approval_rate
        detection: {compare_segment: {column: region, value: EU, percent: 20}}
        segment: all
        notify: [ops, jira, team]
      - name: rmse
        model: houses
        type: performance_degradation
        metric: rmse
        window: 6h
        detection: {change: {percent: 15}}
      - name: estimated f1
        model: credit
        type: estimated_performance
        metric: f1
        score: score
        label: defaulted
        threshold: 0.4
        baseline: {fixed: {from: 2026-01-01, to: 2026-01-31}}
        detection: {absolute: {min: 0.6}}
    alerts:
      ops: {type: webhook, url: "https://hooks.example/telltale", secret: "${HOOK_SECRET}",
            headers: {X-Team: ml}, timeout: 5s}
      jira: {type: jira, url: "${JIRA_URL}", project: ML, user: "${JIRA_USER}", token: "${JIRA_TOKEN}",
             issue_type: Task}
      nr: {type: newrelic, license_key: "${NEW_RELIC_LICENSE_KEY}", region: eu}
      team: {type: slack, webhook_url: "${SLACK_WEBHOOK}"}
      pager: {type: pagerduty, routing_key: "${PD_ROUTING_KEY}"}
    """)


@pytest.fixture
def full_text() -> str:
    """A telltale.yml using every connection, monitor and channel type."""
    return FULL


@pytest.fixture
def test_env() -> dict[str, str]:
    """The environment the full config's ${VAR}s are read from."""
    return dict(ENV)


@pytest.fixture
def parse() -> Callable[..., ParsedConfig]:
    """Parse config text with the test environment."""

    def _parse(text: str, env: dict[str, str] | None = None) -> ParsedConfig:
        return parse_config(textwrap.dedent(text), env=ENV if env is None else env)

    return _parse


@pytest.fixture
def error() -> Callable[..., ConfigProblems]:
    """Parse config text that must fail; return the ConfigProblems."""

    def _error(text: str, env: dict[str, str] | None = None) -> ConfigProblems:
        with pytest.raises(ConfigProblems) as info:
            parse_config(textwrap.dedent(text), env=ENV if env is None else env)
        return info.value

    return _error


@pytest.fixture
def project_dir(tmp_path: Path) -> Callable[..., Path]:
    """Write a project folder (telltale.yml + metric files) and return it."""

    def _write(text: str, files: dict[str, str] | None = None) -> Path:
        (tmp_path / "telltale.yml").write_text(textwrap.dedent(text), encoding="utf-8")
        for name, body in (files or {"metrics/custom.metric": "metric x = count()\n"}).items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(body, encoding="utf-8")
        return tmp_path

    return _write
