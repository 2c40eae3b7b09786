"""The examples of README.md and docs/*.md run as written: the README tour's telltale.yml and
metric file, and docs/dsl.md's metric examples on a DuckDB table, with the values of the
exact metrics checked against scikit-learn on the raw rows (bound: 1e-9, float rounding)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from telltale.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
AT = "2026-03-14T00:00:00Z"
FOCAL = (datetime(2026, 3, 13), datetime(2026, 3, 14))
runner = CliRunner()


def blocks(doc: str, lang: str = "") -> list[str]:
    """The fenced code blocks of a doc (only those opened with ```lang when lang is given)."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    return [m.group(2) for m in re.finditer(r"^ *```(\w*)\n(.*?)^ *```", text, re.S | re.M)
            if not lang or m.group(1) == lang]


def dedent(block: str) -> str:
    """A block indented inside a list item, left-aligned."""
    lines = block.splitlines()
    pad = min(len(x) - len(x.lstrip()) for x in lines if x.strip())
    return "\n".join(x[pad:] for x in lines) + "\n"


def table(path: Path) -> list[tuple]:
    """14 days of predictions with every column the examples name."""
    rng = np.random.default_rng(7)
    start = datetime(2026, 3, 1)
    rows = []
    for i in range(4000):
        ts = start + timedelta(seconds=int(rng.integers(0, 13 * 86400)))
        price = float(rng.normal(100, 10))
        rows.append((i, ts, float(rng.normal(1000, 100)), bool(rng.random() < 0.8),
                     bool(rng.random() < 0.5), bool(rng.random() < 0.3), price + float(rng.normal(0, 5)),
                     price, float(rng.normal(50000, 1e4)), str(rng.choice(["EU", "US"])),
                     float(rng.integers(18, 80)), float(rng.random())))
    con = duckdb.connect(str(path))
    con.execute("create table predictions(prediction_id int, predicted_at timestamp, annual_premium double, "
                "driving_license boolean, approved boolean, defaulted boolean, price double, a_price double, "
                "income double, region varchar, age double, score double)")
    con.executemany("insert into predictions values (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.close()
    return rows


def run_json(root: Path) -> tuple[int, dict]:
    """`telltale run --json` at AT: the exit code and the parsed output."""
    res = runner.invoke(app, ["run", "--project", str(root), "--at", AT, "--json"])
    assert res.exit_code in (0, 1), res.output
    return res.exit_code, json.loads(res.stdout)


def test_dsl_md_examples_compile_run_and_give_the_exact_values(tmp_path: Path) -> None:
    """docs/dsl.md's first block and its parameterised metrics, on a binary model with a
    numeric price prediction; my_r2 equals the built-in r2 and sklearn's r2_score."""
    from sklearn.metrics import precision_score, r2_score

    rows = table(tmp_path / "wh.duckdb")
    examples = blocks("docs/dsl.md")
    lift = next(b for b in examples if b.startswith("metric lift("))
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "doc.metric").write_text(examples[0] + lift, encoding="utf-8")
    names = re.findall(r"^metric (\w+) =", examples[0] + lift, re.M)
    assert {"my_r2", "fraud_precision", "income_lift"} <= set(names)
    monitors = "".join(f"  - {{name: {n}, model: credit, type: custom_metric, metric: {n}, "
                       "detection: {absolute: {max: 1e12}}}\n" for n in names + ["r2"])
    (tmp_path / "telltale.yml").write_text(f"""\
version: 1
connections: {{wh: {{type: duckdb, database: wh.duckdb}}}}
metrics: [metrics/*.metric]
models:
  credit:
    type: binary
    connection: wh
    source: {{table: predictions}}
    id: prediction_id
    timestamp: predicted_at
    features: {{annual_premium: numeric, driving_license: boolean, income: numeric, region: categorical}}
    predictions: {{approved: boolean, price: numeric}}
    actuals: {{defaulted: boolean, price: {{column: a_price, type: numeric}}}}
monitors:
{monitors}""", encoding="utf-8")
    code, out = run_json(tmp_path)
    value = {r["monitor"]: r["value"] for r in out["results"]}
    assert all(r["status"] == "ok" for r in out["results"]), out["results"]
    focal = [r for r in rows if FOCAL[0] <= r[1] < FOCAL[1]]
    r2 = r2_score([r[7] for r in focal], [r[6] for r in focal])
    assert value["my_r2"] == pytest.approx(r2, abs=1e-9) and value["r2"] == pytest.approx(r2, abs=1e-9)
    assert value["fraud_precision"] == pytest.approx(
        precision_score([r[5] for r in focal], [r[4] for r in focal]), abs=1e-9)
    eu = [r[8] for r in focal if r[9] == "EU"]
    assert value["income_lift"] == pytest.approx(np.mean(eu) / 50000, rel=1e-9)


def tour(tmp_path: Path, hook: str | None = None) -> Path:
    """README.md's telltale.yml and metric file, as written (the webhook's url replaced by
    `hook` when given), on a DuckDB table with their columns."""
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create table predictions as select i as prediction_id, "
                "timestamp '2026-03-01' + i * interval 5 minute as predicted_at, "
                "(i % 97) * 1000.0 as income, (i % 53) + 18.0 as age, "
                "['EU', 'US'][i % 2 + 1] as region, (i % 10) / 10.0 as score, i % 3 = 0 as approved, "
                "i % 4 = 0 as defaulted from range(4000) t(i)")
    con.close()
    yml, metric = blocks("README.md", "yaml")[0], blocks("README.md")[3]
    assert metric.lstrip().startswith("metric approval_rate")
    if hook is not None:
        yml = yml.replace("https://hooks.example/telltale", hook)
    (tmp_path / "telltale.yml").write_text(dedent(yml), encoding="utf-8")
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "credit.metric").write_text(dedent(metric), encoding="utf-8")
    return tmp_path


def test_readme_tour_validates_and_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README.md's tour project validates, compiles and runs, judging the last complete day
    against the baseline the README names."""
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    tour(tmp_path)
    res = runner.invoke(app, ["validate", "--project", str(tmp_path)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["compile", "--project", str(tmp_path), "--dialect", "snowflake"])
    assert res.exit_code == 0 and "SELECT" in res.output, res.output
    code, out = run_json(tmp_path)
    assert {"results", "alerts", "queries", "delivery"} <= set(out)
    assert {r["monitor"] for r in out["results"]} == {"feature drift", "approval rate"}
    drift = next(r for r in out["results"] if r["monitor"] == "feature drift")
    # the last complete day, against the 28 days that end one day (skip: 1d) before it
    assert drift["window"] == {"start": "2026-03-13T00:00:00Z", "end": "2026-03-14T00:00:00Z"}
    assert drift["baseline"] == {"start": "2026-02-12T00:00:00Z", "end": "2026-03-12T00:00:00Z"}


MISTAKES = """\
version: 1
connections:
  wh: {type: duckdb, database: warehouse.duckdb}
models:
  credit:
    connection: wh
    source: {table: predictions}
    type: binray
    timestamp: predicted_at
    features: {income: numeric}
    predictions: {score: numeric}
    actuals: {defaulted: boolean}
    segments: []
    granularity: day
    baseline: {window: {last: 28d}}
    id: prediction_id
monitors:
  - name: feature drift
    model: credit
    type: data_drift
    threshhold: 0.2
  - name: volume
    type: model_activity
    model: credt
    detection: {change: {percent: 10}}
"""


def test_config_md_error_examples_are_what_validate_prints(tmp_path: Path) -> None:
    """docs/config.md's two error blocks, for a file with those mistakes at those lines: the
    file's own errors first (the allowed keys cut where the doc writes `...`), then, once
    they are fixed, the unknown model."""
    first, xref = (b for b in blocks("docs/config.md") if "telltale.yml:" in b and "problems" in b
                   or "unknown model 'credt'" in b)
    (tmp_path / "telltale.yml").write_text(MISTAKES, encoding="utf-8")
    res = runner.invoke(app, ["validate", "--project", str(tmp_path), "--no-warehouse"])
    assert res.exit_code == 2
    for line in first.splitlines():
        assert line.strip().removesuffix("...") in res.output, (line, res.output)
    (tmp_path / "telltale.yml").write_text(MISTAKES.replace("binray", "binary").replace("threshhold", "threshold"),
                                           encoding="utf-8")
    res = runner.invoke(app, ["validate", "--project", str(tmp_path), "--no-warehouse"])
    assert res.exit_code == 2 and xref.strip() in res.output, res.output


def python_block(doc: str, index: int, root: Path) -> str:
    """A doc's Python block, its placeholder project paths pointing at `root`."""
    code = blocks(doc, "python")[index]
    for placeholder in ('"path/to/project"', '"proj"'):
        code = code.replace(placeholder, repr(str(root)))
    return code


def test_python_md_calls_run_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/python.md's first block on the README project: each call works and gives what
    the page says (exit code, the run's fields, history points, alerts)."""
    pytest.importorskip("pandas")
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    root = tour(tmp_path, hook="http://127.0.0.1:9/hook")
    code = python_block("docs/python.md", 0, root)
    assert code.count(repr(str(root))) == 1
    scope: dict = {}
    exec(code, scope)
    report, project = scope["report"], scope["project"]
    assert report.exit_code in (0, 1)
    frame = report.to_pandas()
    assert {"monitor", "model", "type", "column", "segment", "metric", "value", "threshold", "status",
            "severity", "window", "baseline", "message", "error", "window_start", "window_end"} <= set(frame.columns)
    assert str(frame["window_start"].dtype).endswith("UTC]")
    assert len(project.history(monitor="feature drift")) == 3     # income, age, region at one time
    alerts = project.alerts(status=None)
    assert {"id", "monitor", "status", "delivery"} <= set(alerts.columns)
    assert set(report.as_json()) == {"run_id", "at", "results", "alerts", "queries", "delivery"}


def test_config_md_python_block_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/config.md's `load_project` block on the README project: its last line raises the
    ConfigError it builds, located at the `income` feature."""
    from telltale.errors import ConfigError

    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    root = tour(tmp_path)
    code = python_block("docs/config.md", 0, root)
    with pytest.raises(ConfigError, match=r"telltale\.yml:\d+:\d+: models\.credit\.features\.income: "
                                          r"column missing in the warehouse"):
        exec(code, {})


def approve_all_on_the_focal_day(root: Path) -> None:
    """Every prediction of the focal day approved: the README's `approval rate` (a third of
    the rows every day before) fires and notifies `ops`."""
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    con.execute("update predictions set approved = true where predicted_at >= ? and predicted_at < ?", list(FOCAL))
    con.close()


def test_alerts_md_webhook_body_headers_and_verify_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/alerts.md's webhook on a real delivery of the README project to a local receiver
    (tests/peers/alert_sinks.py): the body has exactly the fields of the doc's example, is
    canonical JSON, carries the doc's headers, and the doc's `verify` accepts it with the
    channel's secret and refuses a changed body or another secret."""
    from peers.alert_sinks import AlertSinks

    sinks = AlertSinks(secret="s3cret")
    try:
        monkeypatch.setenv("HOOK_SECRET", "s3cret")
        root = tour(tmp_path, hook=f"{sinks.url}/hook")
        approve_all_on_the_focal_day(root)
        code, out = run_json(root)
        assert code == 1 and out["delivery"] and {d["status"] for d in out["delivery"]} == {"sent"}, out["delivery"]
        posts = [r for r in sinks.state.requests if r.path == "/hook"]
        assert posts
    finally:
        sinks.stop()
    doc = (ROOT / "docs/alerts.md").read_text(encoding="utf-8")
    example = json.loads(next(b for b in blocks("docs/alerts.md", "json") if b.lstrip().startswith('{\n  "version"')))
    scope: dict = {}
    exec(next(b for b in blocks("docs/alerts.md", "python") if "def verify(" in b), scope)
    verify = scope["verify"]
    for req in posts:
        body = json.loads(req.body)
        assert set(body) == set(example) and body["version"] == 1 and body["status"] == "firing"
        assert req.body == json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
        assert req.headers["idempotency-key"] == f"{body['id']}:firing"
        assert req.headers["content-type"] == "application/json"
        assert req.headers["user-agent"].startswith("telltale/")
        signature = req.headers["x-telltale-signature"]
        assert verify(req.body, signature, "s3cret")
        assert not verify(req.body.replace(b"firing", b"fired"), signature, "s3cret")
        assert not verify(req.body, signature, "other")
    assert "`Idempotency-Key` | `<id>:<status>`" in doc


def test_serving_md_prometheus_table_is_what_metrics_exports() -> None:
    """docs/serving.md's Prometheus table names exactly the metrics /metrics exposes, and
    those include every name DESIGN.md's Prometheus section gives (with its labels)."""
    from telltale.serve.metrics import EXPOSED

    doc = (ROOT / "docs/serving.md").read_text(encoding="utf-8")
    section = doc.split("## Prometheus", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `(telltale_\w+)` \|([^|]*)\|", section, re.M))
    assert set(rows) == set(EXPOSED)
    design = {"telltale_metric_value": "model monitor column segment metric",
              "telltale_monitor_status": "model monitor column segment",
              "telltale_run_duration_seconds": "", "telltale_query_duration_seconds": "connection",
              "telltale_alerts_sent_total": "channel status", "telltale_alert_delivery_failures_total": "channel"}
    for name, labels in design.items():
        assert rows[name].strip().strip("`") == labels, (name, rows[name])


def test_python_md_orchestrator_recipe_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/python.md's orchestrator recipe on the README project: an alert fired on the
    focal day, so it answers "retrain", and "continue" on a quiet day."""
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    root = tour(tmp_path, hook="http://127.0.0.1:9/hook")
    approve_all_on_the_focal_day(root)
    code = blocks("docs/python.md", "python")[-1].replace('"/srv/monitoring"', repr(str(root)))
    assert repr(str(root)) in code
    scope: dict = {}
    exec(code, scope)
    assert scope["check_models"]("2026-03-14") == "retrain"
    assert scope["check_models"]("2026-03-10") == "continue"


def test_readme_backfill_fills_one_point_per_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README.md's `telltale backfill` line on the tour project: one stored point per day
    from --from to --to for each series, and no alert notice queued."""
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    root = tour(tmp_path)
    line = re.search(r"`telltale backfill --from (\S+)\s+--to (\S+)`", (ROOT / "README.md").read_text("utf-8"))
    assert line is not None
    res = runner.invoke(app, ["backfill", "--project", str(root), "--from", "2026-03-10", "--to", line.group(2)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["history", "--project", str(root), "--monitor", "feature drift", "--column", "income",
                              "--json"])
    starts = [p["window"]["start"] for p in json.loads(res.stdout)]
    assert starts == [f"2026-03-{d}T00:00:00Z" for d in (10, 11, 12)]
    res = runner.invoke(app, ["alerts", "list", "--project", str(root), "--json"])
    assert res.exit_code == 0 and not json.loads(res.stdout)["alerts"], res.output


def test_alerts_md_list_and_retry_json_on_a_sink_that_is_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/alerts.md's `alerts list --json` and `alerts retry --json` on the README project
    whose webhook refuses connections: the notice is listed pending under its alert and in
    `outbox` with its error, and `retry` exits 3 with it still pending."""
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    root = tour(tmp_path, hook="http://127.0.0.1:9/hook")
    approve_all_on_the_focal_day(root)
    run_json(root)
    res = runner.invoke(app, ["alerts", "list", "--project", str(root), "--json"])
    listed = json.loads(res.stdout)
    assert set(listed) == {"alerts", "outbox"}
    notices = [n for a in listed["alerts"] for n in a["notices"]]
    assert notices and {"channel", "alert", "notice", "status", "attempts", "queued_at", "sent_at", "error",
                        "retry_at"} <= set(notices[0])
    # the first notice failed; the channel's others wait for the next pass (docs/alerts.md)
    assert "failed" in {n["status"] for n in notices} <= {"failed", "pending"}
    assert listed["outbox"] and all(n["error"] and n["retry_at"] for n in listed["outbox"] if n["status"] == "failed")
    res = runner.invoke(app, ["alerts", "retry", "--project", str(root), "--json"])
    assert res.exit_code == 3, res.output
    retried = json.loads(res.stdout)
    assert set(retried) == {"delivery", "channel_errors"} and retried["delivery"]
    assert {d["status"] for d in retried["delivery"]} <= {"failed", "pending"}
