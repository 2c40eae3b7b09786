"""`validate` reports every problem at once; `run` makes the same source checks before it
stores anything."""

from __future__ import annotations

import json

import pytest
from cli_project import AT, CONFIG, METRICS


def test_validate_reports_config_dsl_and_warehouse_problems_together(cli, make_project) -> None:
    config = (CONFIG.replace("features: {x: numeric, region: categorical}",
                             "features: {x: numeric, region: categorical, tier: categorical}")
              + "  - {name: other, model: m, type: custom_metric, metric: nosuch, "
                "detection: {absolute: {max: 1}}}\n")
    root = make_project(config, metrics={
        "a.metric": "metric big_x_share = count(\n",                 # syntax error
        "b.metric": "metric c = mean(features.xx)\n",               # unknown field
    })
    res = cli("validate", "--project", str(root), code=2)
    out = res.output
    assert "4 problems found" in out, out
    assert "metrics/a.metric:1:28: unexpected end" in out           # the syntax error
    assert "metrics/b.metric:1:" in out and "features.xx" in out     # a second file's error
    assert "unknown name nosuch" in out                              # a monitor's metric
    assert "column 'tier' of features.tier is not in the source" in out   # the warehouse
    assert "big_x_share" not in out             # a metric of the broken file: no follow-up error


@pytest.mark.parametrize("sql, expected", [
    ("select * from preds; select 1", "source.sql holds 2 statements"),
    ("delete from preds", "only SELECT statements may reach a warehouse, got DELETE"),
    ("select * from preds; drop table preds", "source.sql holds 2 statements"),
])
def test_source_sql_must_be_one_select(cli, make_project, sql: str, expected: str) -> None:
    root = make_project(CONFIG.replace("source: {table: preds}", f'source: {{sql: "{sql}"}}'))
    for args in (["--no-warehouse"], []):
        res = cli("validate", "--project", str(root), *args, code=2)
        assert "telltale.yml:9:19: " in res.output and expected in res.output, res.output
    res = cli("run", "--project", str(root), "--at", AT, code=2)
    assert expected in res.output
    res = cli("compile", "--project", str(root), code=2)            # located in compile too
    assert "telltale.yml:9:19: " in res.output and expected in res.output, res.output
    assert not (root / ".telltale").exists()                        # nothing stored


def test_compile_locates_a_table_named_like_a_file(cli, make_project) -> None:
    root = make_project(CONFIG.replace("source: {table: preds}", "source: {table: \"read_text('/etc/hostname')\"}"))
    res = cli("compile", "--project", str(root), code=2)
    assert "telltale.yml:9" in res.output and "looks like a file" in res.output, res.output


def test_a_metric_with_required_parameters_passes_validate_and_runs(cli, make_project) -> None:
    lift = "metric lift(x: numeric, base: number = 1) = mean(x) / base\n"   # docs/dsl.md's example
    config = CONFIG.replace("metric: big_x_share", "metric: \"lift(features.x, 2)\"")
    root = make_project(config, metrics={"m.metric": METRICS + lift})
    cli("validate", "--project", str(root), code=0)
    res = cli("run", "--project", str(root), "--at", AT, "--json", code=None)
    import json
    share = [r for r in json.loads(res.stdout)["results"] if r["monitor"] == "share"][0]
    assert abs(share["value"] - 4.5 / 2) < 1e-12, share             # mean(x) = 4.5 each day


def test_an_integer_too_long_to_convert_is_a_located_config_error(cli, make_project) -> None:
    root = make_project(CONFIG.replace("version: 1", "version: 1" + "0" * 5000))
    res = cli("validate", "--project", str(root), code=2)
    assert "telltale.yml:1:10" in res.output and "not a usable number" in res.output


@pytest.mark.parametrize("ts_type, kind", [("VARCHAR", "string"), ("BIGINT", "numeric")])
def test_text_or_epoch_timestamp_column_is_bad_input(cli, make_project, ts_type: str, kind: str) -> None:
    root = make_project(ts_type=ts_type)
    res = cli("validate", "--project", str(root), code=2)
    assert f"column 'ts' is {kind}, expected a timestamp or date" in res.output
    res = cli("run", "--project", str(root), "--at", AT, code=2)
    assert f"column 'ts' is {kind}" in res.output
    assert not (root / ".telltale").exists()                        # nothing stored
    res = cli("run", "--project", str(root), "--at", AT, "--dry-run", code=2)


def test_run_with_a_missing_column_stores_nothing(cli, make_project) -> None:
    root = make_project(CONFIG.replace("x: numeric,", "x: numeric, y: numeric,"))
    res = cli("run", "--project", str(root), "--at", AT, code=2)
    assert "column 'y' of features.y is not in the source" in res.output
    assert not (root / ".telltale").exists()


def _strict(text: str) -> dict:
    def refuse(token: str) -> None:
        raise AssertionError(f"non-standard JSON token {token}")
    return json.loads(text, parse_constant=refuse)


def test_run_json_is_strict_and_lists_deliveries(cli, make_project, httpserver) -> None:
    url = httpserver.url_for("/hook")
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    config = CONFIG.replace("detection: {absolute: {max: 0.9}}}", "detection: {absolute: {max: 0.1}}, notify: [ops]}")
    root = make_project(config + f'alerts:\n  ops: {{type: webhook, url: "{url}"}}\n')
    res = cli("run", "--project", str(root), "--at", AT, "--json", code=1)
    out = _strict(res.stdout)
    assert [a["status"] for a in out["alerts"]] == ["firing"]
    (notice,) = out["delivery"]
    assert notice["channel"] == "ops" and notice["status"] == "sent" and notice["error"] is None
    assert notice["alert"] == out["alerts"][0]["id"] and notice["notice"] == "firing"


def test_run_json_reports_a_failed_delivery_with_its_retry_time(cli, make_project, httpserver) -> None:
    url = httpserver.url_for("/hook")
    httpserver.expect_request("/hook", method="POST").respond_with_data("down", status=400)
    config = CONFIG.replace("detection: {absolute: {max: 0.9}}}", "detection: {absolute: {max: 0.1}}, notify: [ops]}")
    root = make_project(config + f'alerts:\n  ops: {{type: webhook, url: "{url}"}}\n')
    res = cli("run", "--project", str(root), "--at", AT, "--json", code=1)
    (notice,) = _strict(res.stdout)["delivery"]
    assert notice["status"] == "failed" and "400" in notice["error"] and notice["retry_at"]
    human = cli("run", "--project", str(root), "--at", AT, code=1)
    assert "failed firing of" in human.output and "retried after" in human.output


def test_run_json_has_no_nan_token_when_a_value_is_nan(cli, make_project) -> None:
    import duckdb

    config = CONFIG + ("  - {name: mean x, model: m, type: metric_change, columns: [x], statistic: mean, "
                       "detection: {change: {percent: 10}}}\n")
    root = make_project(config)
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute("UPDATE preds SET x = 'nan'::DOUBLE WHERE pid % 2 = 0")
    con.close()
    res = cli("run", "--project", str(root), "--at", AT, "--json", "--monitor", "mean x")
    assert res.exit_code in (0, 1, 3), res.output
    (mean,) = _strict(res.stdout)["results"]           # parse_constant refuses NaN and Infinity
    if mean["value"] is None and mean["status"] != "error":
        assert "JSON has no NaN or infinity" in mean["message"] or mean["error"]


def test_validate_lists_config_and_metric_file_problems_together(cli, make_project) -> None:
    root = make_project(CONFIG.replace("type: binary", "type: binray"),
                        metrics={"m.metric": "metric big_x_share = count(features.x[\n"})
    res = cli("validate", "--project", str(root), code=2)
    assert "2 problems found" in res.output
    assert "models.m.type: 'binray' is not allowed" in res.output
    assert "metrics/m.metric:1:" in res.output


def test_a_file_reading_source_sql_is_refused_before_anything_is_stored(cli, make_project) -> None:
    root = make_project(CONFIG.replace("source: {table: preds}",
                                       "source: {sql: \"select p.*, f.* from preds p, read_text('/etc/hostname') f\"}"))
    res = cli("validate", "--project", str(root), "--no-warehouse", code=2)
    assert "telltale.yml:9:19: " in res.output and "may not reach a warehouse" in res.output
    cli("run", "--project", str(root), "--at", AT, code=2)
    assert not (root / ".telltale").exists()
