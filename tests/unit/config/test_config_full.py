"""A full config with every connection, monitor and channel type loads, with the right values."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from telltale.config import (DRIFT_DEFAULT_THRESHOLDS, MONITOR_TYPES, AthenaConnection,
                             BigQueryConnection, CustomMetricMonitor, DataDriftMonitor,
                             DeltaConnection, DuckDBConnection, JiraChannel, MetricChangeMonitor,
                             ModelStalenessMonitor, NewRelicChannel, PostgresConnection,
                             RedshiftConnection, S3Connection, SlackChannel, SnowflakeConnection,
                             ValueRangeMonitor, WebhookChannel, load_project)
from telltale.config.connections import CONNECTION_TYPES
from telltale.config.alerts import CHANNEL_TYPES


def test_every_type_is_covered(parse, full_text):
    cfg = parse(full_text).config
    assert {c.type for c in cfg.connections.values()} == set(CONNECTION_TYPES)
    assert {m.type for m in cfg.monitors} == set(MONITOR_TYPES)
    assert {a.type for a in cfg.alerts.values()} == set(CHANNEL_TYPES)
    assert {m.type for m in cfg.models.values()} == {"binary", "multiclass", "multilabel",
                                                      "regression", "ranking"}


def test_connection_values(parse, full_text):
    c = parse(full_text).config.connections
    assert isinstance(c["wh"], DuckDBConnection) and c["wh"].timeout_seconds == 30
    pg = c["pg"]
    assert isinstance(pg, PostgresConnection)
    assert pg.port == 5432 and pg.password == "pgpw" and pg.schema_ == "public"
    assert c["pgurl"].url == "postgresql://telltale:pgpw@db:5432/ml"
    assert isinstance(c["rs"], RedshiftConnection) and c["rs"].iam.cluster_identifier == "analytics"
    snow = c["snow"]
    assert isinstance(snow, SnowflakeConnection) and snow.account == "acme-xy12345"
    assert snow.endpoint == "localhost:8080" and snow.schema_ == "PUBLIC"
    assert isinstance(c["bq"], BigQueryConnection) and c["bq"].max_bytes_billed == 10**9
    assert isinstance(c["ath"], AthenaConnection) and c["ath"].options == {"poll_interval": 1}
    assert isinstance(c["lake"], S3Connection)
    assert isinstance(c["dl"], DeltaConnection) and c["dl"].storage_options["AWS_REGION"] == "eu-west-1"


def test_model_values(parse, full_text):
    m = parse(full_text).config.models["credit"]
    assert m.features["age"].column == "age_years" and m.features["age"].kind == "numeric"
    assert m.features["income"].column == "income"
    assert m.field("age").column == "age_years"
    assert m.field("raw_inputs.zip").kind == "categorical"
    assert m.baseline.window.last == timedelta(days=28) and m.baseline.window.skip == timedelta(days=1)
    assert (m.histogram_bins, m.top_values, m.late_data) == (64, 50, timedelta(days=2))
    assert m.actuals_source.source.table == "labels"
    assert m.step == timedelta(days=1)
    houses = parse(full_text).config.models["houses"]
    assert houses.source.kind == "path" and houses.source.partitioning == "hive"
    assert houses.baseline.kind == "training" and houses.step == timedelta(hours=1)
    assert houses.histogram_bins == 256 and houses.top_values == 100 and houses.late_data == timedelta(0)


def test_monitor_values_and_defaults(parse, full_text):
    mons = {m.name: m for m in parse(full_text).config.monitors}
    drift = mons["feature drift"]
    assert isinstance(drift, DataDriftMonitor)
    assert drift.notify == ("ops", "nr") and drift.cooldown == timedelta(hours=6) and drift.daily_cap == 5
    assert mons["numeric drift"].threshold == DRIFT_DEFAULT_THRESHOLDS["ks"]
    assert mons["numeric drift"].severity == "medium" and mons["numeric drift"].window == timedelta(days=1)
    assert mons["numeric drift"].schedule is None and mons["numeric drift"].cooldown == timedelta(0)
    assert mons["score drift"].threshold == 0.1 and mons["score drift"].baseline.training.table == "training_set"
    assert isinstance(mons["income range"], ValueRangeMonitor) and mons["income range"].margin == 0.1
    assert mons["age bounds"].detection.absolute.min == 18
    assert mons["traffic"].detection.kind == "change" and mons["traffic"].segment == {"region": "EU"}
    assert isinstance(mons["stale"], ModelStalenessMonitor) and mons["stale"].on == "version"
    mc = mons["mean income"]
    assert isinstance(mc, MetricChangeMonitor)
    assert mc.detection.anomaly.seasonality == timedelta(days=7) and mc.detection.anomaly.direction == "up"
    cm = mons["approval rate"]
    assert isinstance(cm, CustomMetricMonitor) and cm.segment == "all"
    assert cm.detection.rule.column == "region" and cm.detection.rule.value == "EU"


def test_channel_values(parse, full_text):
    a = parse(full_text).config.alerts
    assert isinstance(a["ops"], WebhookChannel) and a["ops"].secret == "s3cret"
    assert a["ops"].headers == {"X-Team": "ml"} and a["ops"].timeout == timedelta(seconds=5)
    assert isinstance(a["jira"], JiraChannel) and a["jira"].issue_type == "Task"
    assert isinstance(a["nr"], NewRelicChannel) and a["nr"].region == "eu"
    assert isinstance(a["team"], SlackChannel) and a["team"].webhook_url.startswith("https://hooks.slack")


def test_project_helpers(project_dir, full_text, test_env):
    root = project_dir(full_text)
    p = load_project(root, env=test_env)
    assert p.root == root.resolve() and p.config_path == root.resolve() / "telltale.yml"
    assert p.metric_files == (root.resolve() / "metrics" / "custom.metric",)
    assert p.store_url == f"sqlite:///{root.resolve()}/.telltale/state.db"
    assert p.connection("wh").database == str(root.resolve() / "warehouse.duckdb")
    assert p.connection("bq").credentials_file == str(root.resolve() / "keys" / "bq.json")
    assert p.connection("pg").database == "ml"          # not a file: left alone
    spec = p.source_spec(p.model("search").source)
    assert spec.path == str(root.resolve() / "tables" / "search") and spec.format == "parquet"
    assert p.source_spec(p.model("houses").source).path == "s3://acme/houses/"
    cols = {m.name: [r.qualified for r in p.monitor_columns(m)] for m in p.monitors("credit")}
    assert cols["feature drift"] == ["features.income", "features.age", "features.region", "raw_inputs.zip"]
    assert cols["numeric drift"] == ["features.income", "features.age"]    # ks: numeric only
    assert cols["missing"] == ["features.income", "predictions.score", "actuals.defaulted"]
    assert cols["traffic"] == []
    assert [r.column for r in p.monitor_columns(p.config.monitor("feature drift"))][1] == "age_years"
    line = full_text.splitlines().index("    method: ks") + 1
    assert p.where("monitors", 1, "method") == f"telltale.yml:{line}:13"
    err = p.config_error("column income_usd does not exist in the warehouse", "models", "credit", "features", "income")
    assert str(err).startswith("telltale.yml:") and "models.credit.features.income" in str(err)


def test_store_urls(project_dir):
    base = "version: 1\nstore: {}\n"
    for url, want in [("sqlite:////abs/state.db", "sqlite:////abs/state.db"),
                      ("sqlite://", "sqlite://"),
                      ("postgresql://u@h/db", "postgresql://u@h/db")]:
        root = project_dir(base.format(url), files={})
        assert load_project(root, env={}).store_url == want
    root = project_dir(base.format("sqlite:///state/s.db?timeout=5"), files={})
    assert load_project(root, env={}).store_url == f"sqlite:///{Path(root).resolve()}/state/s.db?timeout=5"


def test_dumps_for_connectors_and_channels(parse, full_text):
    cfg = parse(full_text).config
    assert cfg.connections["pg"].params() == {
        "options": {}, "host": "db.internal", "port": 5432, "database": "ml", "user": "telltale",
        "password": "pgpw", "sslmode": "require", "schema": "public"}
    assert cfg.connections["wh"].params()["timeout"] == 30.0
    assert cfg.alerts["ops"].model_dump(exclude_none=True)["timeout"] == 5.0


def test_models_are_frozen(parse, full_text):
    import pydantic
    import pytest

    cfg = parse(full_text).config
    with pytest.raises(pydantic.ValidationError):
        cfg.models["credit"].granularity = "hour"
