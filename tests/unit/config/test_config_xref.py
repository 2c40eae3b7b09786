"""Cross-reference checks on models and monitors, and the columns a monitor resolves to."""

from __future__ import annotations

from telltale.config import monitor_columns

MODEL = """\
version: 1
connections:
  wh: {type: duckdb}
  lake: {type: s3}
models:
  house:
    type: regression
    connection: wh
    source: {table: houses}
    timestamp: ts
    features: {sqft: numeric, city: categorical, flag: boolean}
    raw_inputs: {sqft: numeric}
    predictions: {price: numeric}
    actuals: {price: numeric}
monitors:
"""


def test_qualified_and_default_columns(parse):
    cfg = parse(MODEL + """\
  - {name: a, model: house, type: missing_values, columns: [predictions.price, actuals.price, city],
     detection: {absolute: {max: 0.1}}}
  - {name: b, model: house, type: new_values}
  - {name: c, model: house, type: value_range, margin: 0}
  - {name: d, model: house, type: data_drift, columns: [raw_inputs.sqft, sqft], method: chi2}
  - {name: e, model: house, type: metric_change, statistic: missing_count, detection: {change: {percent: 5}}}
  - {name: f, model: house, type: missing_values, detection: {absolute: {max: 0.1}}}
""").config
    model = cfg.models["house"]
    got = {m.name: [r.qualified for r in monitor_columns(m, model, "house")] for m in cfg.monitors}
    assert got == {
        "a": ["predictions.price", "actuals.price", "features.city"],
        "b": ["features.city", "features.flag"],
        "c": ["features.sqft"],
        "d": ["raw_inputs.sqft", "features.sqft"],       # chi2 on numeric: binned
        "e": ["features.sqft", "features.city", "features.flag"],
        "f": ["features.sqft", "features.city", "features.flag", "raw_inputs.sqft", "predictions.price"],
    }


def test_ambiguous_column(error):
    err = error(MODEL + "  - {name: a, model: house, type: missing_values, columns: [price], "
                "detection: {absolute: {max: 0.1}}}\n")
    assert err.key == "monitors[0].columns[0]"
    assert "'price' is ambiguous in model house; write predictions.price or actuals.price" in str(err)


def test_group_not_taken_by_type(error):
    err = error(MODEL + "  - {name: a, model: house, type: data_drift, columns: [actuals.price]}\n")
    assert "data_drift monitors do not look at actuals; use a column from features or raw_inputs" in str(err)


def test_no_default_columns(error):
    text = MODEL.replace("features: {sqft: numeric, city: categorical, flag: boolean}", "features: {sqft: numeric}")
    err = error(text + "  - {name: a, model: house, type: new_values}\n")
    assert err.key == "monitors[0].type" and "list columns: [...] explicitly" in str(err)


def test_segment_all_needs_segments(error):
    err = error(MODEL + "  - {name: a, model: house, type: model_activity, segment: all, "
                "detection: {absolute: {min: 1}}}\n")
    assert err.key == "monitors[0].segment" and "add e.g. segments: [region] to models.house" in str(err)


def test_model_level_checks(error):
    text = MODEL.replace("connection: wh", "connection: lake") \
        .replace("    actuals: {price: numeric}\n", "    actuals: {price: numeric}\n    segments: [sqft, town]\n"
                 "    granularity: hour\n    baseline: {window: {last: 90m}}\n")
    err = error(text)
    assert [p.key for p in err.problems] == ["models.house.source", "models.house.segments[0]",
                                             "models.house.segments[1]", "models.house.baseline.window.last"]
    msg = str(err)
    assert "s3 connection 'lake' reads files: write {path: s3://bucket/prefix/, format: parquet}" in msg
    assert "'sqft' is numeric; segments must be categorical or boolean" in msg
    assert "model house has no field 'town'" in msg
    assert "last 90m is not a whole number of hours" in msg


def test_path_source_on_sql_warehouse(error):
    text = """\
version: 1
connections:
  pg: {type: postgres, host: h}
models:
  m: {type: binary, connection: pg, source: {path: data/}, timestamp: ts, predictions: {s: numeric}}
"""
    err = error(text)
    assert err.key == "models.m.source.path" and "postgres connection 'pg' reads tables" in str(err)


def test_actuals_source_needs_id(error):
    text = MODEL.replace("    actuals: {price: numeric}\n",
                         "    actuals: {price: numeric}\n    actuals_source: {source: {table: l}, id: pid}\n")
    err = error(text)
    assert err.key == "models.house.actuals_source" and "add id: <prediction id column>" in str(err)
