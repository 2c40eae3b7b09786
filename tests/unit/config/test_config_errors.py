"""Each class of mistake gives a ConfigError at the exact telltale.yml:LINE:COL, key and a hint."""

from __future__ import annotations

import pytest

from telltale.config import ConfigProblems
from telltale.errors import ConfigError

# 17 lines; monitors written after it start at line 18.
BASE = """\
version: 1
connections:
  wh: {type: duckdb, database: w.duckdb}
models:
  credit:
    type: binary
    connection: wh
    source: {table: predictions}
    id: prediction_id
    timestamp: predicted_at
    features: {income: numeric, age: numeric, region: categorical}
    predictions: {score: numeric, approved: boolean}
    actuals: {defaulted: boolean}
    segments: [region]
alerts:
  ops: {type: webhook, url: "http://127.0.0.1:9/hook"}
monitors:
"""


def one(err: ConfigProblems) -> str:
    """The single problem's text (and check there is only one)."""
    assert len(err.problems) == 1, str(err)
    assert isinstance(err, ConfigError)
    return str(err)


def test_base_is_valid(parse):
    assert parse(BASE).config.monitors == ()


def test_typo_in_key_did_you_mean(error):
    err = error(BASE + """\
  - name: drift
    model: credit
    type: data_drift
    threshhold: 0.3
""")
    msg = one(err)
    assert msg.startswith("telltale.yml:21:5: monitors[0].threshhold: unknown key 'threshhold'")
    assert "(did you mean 'threshold'?)" in msg and "allowed keys:" in msg
    assert (err.file, err.line, err.column, err.key) == ("telltale.yml", 21, 5, "monitors[0].threshhold")


def test_typo_in_model_key(error):
    text = BASE.replace("    timestamp: predicted_at\n", "    timestamp: predicted_at\n    segmants: [region]\n")
    msg = one(error(text))
    assert msg.startswith("telltale.yml:11:5: models.credit.segmants: unknown key 'segmants' (did you mean 'segments'?)")


def test_query_id_on_a_model_that_is_not_ranking(error, parse):
    """query_id only groups ranking metrics' rows: elsewhere it would be accepted and ignored."""
    text = BASE.replace("    id: prediction_id\n", "    id: prediction_id\n    query_id: session_id\n")
    msg = one(error(text))
    assert msg.startswith("telltale.yml:10:15: models.credit.query_id: query_id groups the rows of one query "
                          "for ranking metrics; a binary model has none: remove query_id, or write type: ranking")
    ranking = text.replace("type: binary", "type: ranking").replace("approved: boolean", "approved: numeric")
    assert parse(ranking).config.models["credit"].query_id == "session_id"


def test_staleness_refuses_what_it_cannot_honour_and_takes_a_segment(error, parse):
    """model_staleness: by_version, and a segment with on: version, would be ignored: refused;
    a segment with on: predictions gives each segment's newest row."""
    text = BASE.replace("    segments: [region]\n", "    segments: [region]\n    version: v\n")
    for extra, key, says in (("segment: all, on: version", "segment", "does not take segment"),
                             ("by_version: true", "by_version", "does not take by_version")):
        msg = one(error(text + f"  - {{name: fresh, model: credit, type: model_staleness, max_age: 2d, {extra}}}\n"))
        assert f"monitors[0].{key}: model_staleness" in msg and says in msg, msg
    for seg in ("all", "{region: EU}"):
        mon = f"  - {{name: fresh, model: credit, type: model_staleness, max_age: 2d, segment: {seg}}}\n"
        assert parse(text + mon).config.monitors[0].segment is not None


def test_key_of_another_monitor_type(error):
    msg = one(error(BASE + """\
  - name: drift
    model: credit
    type: data_drift
    detection: {absolute: {max: 1}}
"""))
    assert msg.startswith("telltale.yml:21:5: monitors[0].detection: unknown key 'detection'")
    assert "belongs to missing_values" in msg


def test_bad_enum(error):
    msg = one(error(BASE + """\
  - name: drift
    model: credit
    type: data_drift
    severity: hgih
"""))
    assert msg.startswith("telltale.yml:21:15: monitors[0].severity: 'hgih' is not allowed "
                          "(did you mean 'high'?); write one of low, medium or high")


def test_bad_drift_method(error):
    msg = one(error(BASE + """\
  - {name: drift, model: credit, type: data_drift, method: kl}
"""))
    assert msg.startswith("telltale.yml:18:60: monitors[0].method: 'kl' is not allowed")
    assert "psi, js, hellinger, ks, wasserstein, chi2 or score" in msg


def test_unknown_monitor_type(error):
    msg = one(error(BASE + """\
  - name: drift
    model: credit
    type: data_drfit
"""))
    assert msg.startswith("telltale.yml:20:11: monitors[0].type: unknown type 'data_drfit' "
                          "(did you mean 'data_drift'?)")


def test_missing_type(error):
    msg = one(error(BASE + """\
  - name: drift
    model: credit
"""))
    assert msg.startswith("telltale.yml:18:5: monitors[0]: missing required key 'type'; add type: data_drift,")


def test_bad_duration(error):
    msg = one(error(BASE + """\
  - name: drift
    model: credit
    type: data_drift
    window: 1 day
"""))
    assert msg.startswith("telltale.yml:21:13: monitors[0].window: '1 day' is not a duration; "
                          "write a number and a unit, e.g. 1d")


def test_duration_without_unit(error):
    msg = one(error(BASE + """\
  - {name: stale, model: credit, type: model_staleness, max_age: 2}
"""))
    assert msg.startswith("telltale.yml:18:66: monitors[0].max_age: 2 is not a duration; add a unit, e.g. 2d")


def test_bad_baseline_duration(error):
    text = BASE.replace("    segments: [region]\n", "    segments: [region]\n    baseline: {window: {last: 4 weeks}}\n")
    msg = one(error(text))
    assert msg.startswith("telltale.yml:15:31: models.credit.baseline.window.last: '4 weeks' is not a duration")


def test_bad_cron(error):
    msg = one(error(BASE + """\
  - name: drift
    model: credit
    type: data_drift
    schedule: "0 6 * *"
"""))
    assert msg.startswith("telltale.yml:21:15: monitors[0].schedule: '0 6 * *' is not a cron schedule")
    assert '"0 6 * * *"' in msg


@pytest.mark.parametrize("cron,why", [
    ("0 0 31 2 *", "never comes"),                 # February 31st: the scheduler could never run it
    ("0 6 * * * 0", "five fields"),                # croniter reads a sixth field as seconds
    ("0 0 6 * * ? *", "five fields"),              # a Quartz expression (seconds first)
])
def test_cron_that_is_not_five_fields_or_never_fires(error, cron, why):
    msg = one(error(BASE + f"""\
  - name: drift
    model: credit
    type: data_drift
    schedule: "{cron}"
"""))
    assert msg.startswith(f"telltale.yml:21:15: monitors[0].schedule: '{cron}'") and why in msg


@pytest.mark.parametrize("cron", ["@hourly", "@daily", "@weekly", "0 6 * * MON-FRI", "0 0 29 2 *", " 0 6 * * * "])
def test_cron_five_fields_or_an_alias(parse, cron):
    text = BASE + f"""\
  - name: drift
    model: credit
    type: data_drift
    schedule: "{cron}"
"""
    assert parse(text).config.monitors[0].schedule == cron


def test_unknown_model(error):
    msg = one(error(BASE + """\
  - name: drift
    model: credt
    type: data_drift
"""))
    assert msg.startswith("telltale.yml:19:12: monitors[0].model: unknown model 'credt' (did you mean 'credit'?)")


def test_unknown_column(error):
    msg = one(error(BASE + """\
  - name: drift
    model: credit
    type: data_drift
    columns: [income, incme]
"""))
    assert msg.startswith("telltale.yml:21:23: monitors[0].columns[1]: model credit has no field 'incme' "
                          "(did you mean 'income'?)")


def test_unknown_channel(error):
    msg = one(error(BASE + """\
  - name: drift
    model: credit
    type: data_drift
    notify: [ops, opz]
"""))
    assert msg.startswith("telltale.yml:21:19: monitors[0].notify[1]: unknown alert channel 'opz' "
                          "(did you mean 'ops'?)")


def test_notify_by_severity_is_checked_per_entry(error):
    msg = one(error(BASE + """\
  - name: drift
    model: credit
    type: data_drift
    notify: {high: [ops, opz], low: ops}
"""))
    assert msg.startswith("telltale.yml:21:26: monitors[0].notify.high[1]: unknown alert channel 'opz' "
                          "(did you mean 'ops'?)")
    msg = one(error(BASE + """\
  - name: drift
    model: credit
    type: data_drift
    notify: {urgent: [ops]}
"""))
    assert msg.startswith("telltale.yml:21:13: monitors[0].notify: notify by severity takes the keys "
                          "low, medium, high, not 'urgent'")


def test_unknown_connection(error):
    msg = one(error(BASE.replace("connection: wh", "connection: warehouse")))
    assert msg.startswith("telltale.yml:7:17: models.credit.connection: unknown connection 'warehouse'")
    assert "use one of wh" in msg


def test_missing_detection(error):
    msg = one(error(BASE + """\
  - name: nulls
    model: credit
    type: missing_values
"""))
    assert msg.startswith("telltale.yml:18:5: monitors[0].detection: missing required key 'detection'; "
                          "add e.g. detection: {absolute: {max: 0.05}}")


def test_detection_not_allowed_for_type(error):
    msg = one(error(BASE + """\
  - name: range
    model: credit
    type: value_range
    columns: [income]
    detection: {anomaly: {sensitivity: 3}}
"""))
    assert msg.startswith("telltale.yml:22:26: monitors[0].detection.anomaly: value_range monitors take "
                          "detection absolute, not anomaly")


def test_two_detections(error):
    msg = one(error(BASE + """\
  - name: rows
    model: credit
    type: model_activity
    detection: {absolute: {min: 1}, change: {percent: 5}}
"""))
    assert msg.startswith("telltale.yml:21:16: monitors[0].detection: give exactly one of absolute, change")


def test_value_range_needs_a_rule(error):
    msg = one(error(BASE + """\
  - {name: range, model: credit, type: value_range}
"""))
    assert msg.startswith("telltale.yml:18:5: monitors[0]: give either detection: {absolute:")


def test_wrong_value_type(error):
    msg = one(error(BASE + """\
  - {name: drift, model: credit, type: data_drift, threshold: high}
"""))
    assert msg.startswith("telltale.yml:18:63: monitors[0].threshold: expected a number, got 'high'")


def test_negative_threshold(error):
    msg = one(error(BASE + """\
  - {name: drift, model: credit, type: data_drift, threshold: -1}
"""))
    assert msg.startswith("telltale.yml:18:63: monitors[0].threshold: must be above 0, got the number -1")


def test_list_expected(error):
    msg = one(error(BASE.replace("segments: [region]", "segments: {region: 1}")))
    assert msg.startswith("telltale.yml:14:15: models.credit.segments: expected a list such as [a, b], got a mapping")


def test_source_needs_exactly_one(error):
    msg = one(error(BASE.replace("source: {table: predictions}", "source: {table: p, sql: select 1}")))
    assert msg.startswith("telltale.yml:8:13: models.credit.source: give exactly one of table, sql or path "
                          "(got table and sql)")


def test_bad_connection_type(error):
    msg = one(error(BASE.replace("{type: duckdb,", "{type: duck,")))
    assert msg.startswith("telltale.yml:3:14: connections.wh.type: unknown type 'duck' (did you mean 'duckdb'?)")


def test_bad_channel_url(error):
    msg = one(error(BASE.replace('"http://127.0.0.1:9/hook"', "hooks.example/x")))
    assert msg.startswith("telltale.yml:16:29: alerts.ops.url: 'hooks.example/x' is not an http(s) URL")


def test_every_problem_listed_at_once(error):
    err = error(BASE.replace("type: binary", "type: binray") + """\
  - name: drift
    model: credit
    type: data_drift
    severity: urgent
    threshhold: 1
""")
    assert len(err.problems) == 3
    text = str(err)
    assert text.startswith("telltale.yml has 3 problems:\n")
    lines = text.splitlines()[1:]
    assert lines[0].strip().startswith("telltale.yml:6:11: models.credit.type:")
    assert lines[1].strip().startswith("telltale.yml:21:15: monitors[0].severity:")
    assert lines[2].strip().startswith("telltale.yml:22:5: monitors[0].threshhold:")
    assert (err.line, err.column) == (6, 11)


def test_cross_reference_problems_listed_together(error):
    err = error(BASE + """\
  - {name: a, model: credit, type: data_drift, columns: [nope]}
  - {name: a, model: credit, type: data_drift, notify: [nobody]}
""")
    keys = [p.key for p in err.problems]
    assert keys == ["monitors[0].columns[0]", "monitors[1].name", "monitors[1].notify[0]"]
    assert "already used at line 18" in str(err)


@pytest.mark.parametrize("snippet, key, hint", [
    ("  - {name: n, model: credit, type: new_values, columns: [income]}",
     "monitors[0].columns[0]", "new_values needs categorical or boolean columns"),
    ("  - {name: n, model: credit, type: value_range, columns: [region], margin: 0.1}",
     "monitors[0].columns[0]", "value_range needs numeric columns"),
    ("  - {name: n, model: credit, type: data_drift, columns: [region], method: wasserstein}",
     "monitors[0].columns[0]", "method wasserstein needs numeric columns"),
    ("  - {name: n, model: credit, type: prediction_drift, columns: [income]}",
     "monitors[0].columns[0]", "'income' is a feature of model credit, and prediction_drift monitors look at predictions"),
    ("  - {name: n, model: credit, type: metric_change, columns: [region], detection: {change: {percent: 5}}}",
     "monitors[0].columns[0]", "statistic mean needs numeric columns"),
    ("  - {name: n, model: credit, type: model_activity, detection: {absolute: {min: 1}}, segment: {country: DE}}",
     "monitors[0].segment.country", "'country' is not a segment of model credit"),
    ("  - {name: n, model: credit, type: custom_metric, metric: m, detection: {compare_segment: {column: income, value: 1, percent: 5}}}",
     "monitors[0].detection.compare_segment.column", "'income' is not a segment of model credit"),
    ("  - {name: n, model: credit, type: model_staleness, max_age: 1d, on: version}",
     "monitors[0].on", "model credit has no version column"),
    ("  - {name: n, model: credit, type: model_activity, window: 36h, detection: {absolute: {min: 1}}}",
     "monitors[0].window", "window 36h is not a whole number of days"),
    ("  - {name: n, model: credit, type: custom_metric, metric: m, detection: {anomaly: {history: 1d}}}",
     "monitors[0].detection.anomaly.history", "history 1d is too short for window 1d"),
    ("  - {name: n, model: credit, type: model_activity, detection: {anomaly: {seasonality: day_of_week, history: 28d, min_history: 5}}}",
     "monitors[0].detection.anomaly.min_history", "min_history 5 is more than the 4 past window(s) history 28d holds"),
])
def test_cross_reference_mistakes(error, snippet, key, hint):
    err = error(BASE + snippet + "\n")
    assert len(err.problems) == 1, str(err)
    assert err.key == key and err.line == 18
    assert hint in str(err)
    assert str(err).startswith(f"telltale.yml:18:{err.column}: {key}: ")


def test_typo_in_section_name(error):
    msg = one(error(BASE.replace("alerts:", "alert:")))
    assert msg.startswith("telltale.yml:15:1: alert: unknown key 'alert' (did you mean 'alerts'?)")


def test_typo_in_nested_key_is_not_also_reported_missing(error):
    text = BASE.replace("    segments: [region]\n", "    segments: [region]\n    baseline: {window: {lst: 28d}}\n")
    msg = one(error(text))
    assert msg.startswith("telltale.yml:15:25: models.credit.baseline.window.lst: unknown key 'lst' "
                          "(did you mean 'last'?); allowed keys: last, skip")


def test_typo_in_detection_rule(error):
    msg = one(error(BASE + """\
  - {name: n, model: credit, type: missing_values, detection: {absolute: {maxx: 0.1}}}
"""))
    assert msg.startswith("telltale.yml:18:75: monitors[0].detection.absolute.maxx: unknown key 'maxx' "
                          "(did you mean 'max'?)")


def test_connection_typo(error):
    msg = one(error(BASE.replace("database: w.duckdb", "databse: w.duckdb")))
    assert msg.startswith("telltale.yml:3:22: connections.wh.databse: unknown key 'databse' (did you mean 'database'?)")


@pytest.mark.parametrize("value, says", [("0", "must be at least 1, got the number 0"),
                                         ("lots", "expected a whole number, got 'lots'"),
                                         ("2000000", "must be at most 1000000"),
                                         ("true", "expected a number, got true")])
def test_bad_new_values_max_values(error, value: str, says: str):
    msg = one(error(BASE + f"""\
  - name: new regions
    model: credit
    type: new_values
    columns: [region]
    max_values: {value}
"""))
    assert msg.startswith("telltale.yml:22:17: monitors[0].max_values:"), msg
    assert says in msg


def test_new_values_max_values_is_read(parse):
    cfg = parse(BASE + "  - {name: new regions, model: credit, type: new_values, columns: [region], max_values: 300}\n")
    (mon,) = cfg.config.monitors
    assert mon.max_values == 300
    default = parse(BASE + "  - {name: new regions, model: credit, type: new_values, columns: [region]}\n")
    assert default.config.monitors[0].max_values == 10_000
