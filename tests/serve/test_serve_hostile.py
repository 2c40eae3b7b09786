"""A hostile user against `telltale serve`, its JSON API and the Python API: every promise of
docs/serving.md and docs/python.md taken to the letter."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import telltale
from serve_helpers import free_port
from telltale.config import load_project
from telltale.errors import ConfigError
from telltale.serve.app import create_app
from telltale.store import open_store

TOKEN = "hostile-token"


def _serve(project: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`telltale serve` that is expected to refuse to start (a hang fails the test by timeout)."""
    return subprocess.run([sys.executable, "-m", "telltale.cli.main", "serve", "--project", str(project), *args],
                          capture_output=True, text=True, timeout=timeout)


def test_head_answers_on_every_page_and_healthz(demo_master: Path) -> None:
    """A GET route answers HEAD too (RFC 9110; load balancers probe /healthz with HEAD)."""
    project = load_project(demo_master)
    c = TestClient(create_app(project, open_store(project.store_url), token=TOKEN))
    assert c.head("/healthz").status_code == 200
    assert c.head("/").status_code == 401
    assert "/?token=<token>" in c.get("/").json()["error"]      # a browser cannot send the header
    ok = {"Authorization": f"Bearer {TOKEN}"}
    for path in ("/", "/metrics", "/api/models", "/models/credit"):
        res = c.head(path, headers=ok)
        assert res.status_code == 200 and res.content == b"", path


def test_token_in_the_url_keeps_the_other_query_parameters(demo_master: Path) -> None:
    project = load_project(demo_master)
    c = TestClient(create_app(project, open_store(project.store_url), token=TOKEN))
    res = c.get("/api/alerts", params={"status": "resolved", "token": TOKEN}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/api/alerts?status=resolved"
    assert "token" not in res.headers["location"]
    import httpx

    url = httpx.URL("http://testserver/").copy_with(path="//elsewhere.example/x", query=f"token={TOKEN}".encode())
    away = c.get(url, follow_redirects=False)
    assert away.headers["location"] == "/elsewhere.example/x"       # stays on this server


def test_history_api_rejects_unknown_names_as_the_cli_does(demo_master: Path) -> None:
    project = load_project(demo_master)
    c = TestClient(create_app(project, open_store(project.store_url)))
    for params, said in (({"model": "nope"}, "no model named 'nope'"),
                         ({"monitor": "nope"}, "no monitor named 'nope'"),
                         ({"column": "incme"}, "no column named 'incme'")):
        res = c.get("/api/history", params=params)
        assert res.status_code == 400 and said in res.json()["detail"], params
    qualified = c.get("/api/history", params={"column": "features.income"}).json()["points"]
    assert qualified and {p["column"] for p in qualified} == {"income"}


def test_a_model_name_with_a_slash_has_working_pages(demo: Path) -> None:
    yml = demo / "telltale.yml"
    yml.write_text(yml.read_text().replace("  credit:\n", '  "credit/eu":\n').replace("model: credit\n",
                                                                                     'model: "credit/eu"\n'))
    project = load_project(demo)
    c = TestClient(create_app(project, open_store(project.store_url)))
    html = c.get("/").text
    assert 'href="/models/credit/eu"' in html and 'href="/models/credit/eu/drift"' in html
    for path in ("/models/credit/eu", "/models/credit/eu/drift", "/api/models/credit/eu",
                 "/api/models/credit/eu/drift"):
        assert c.get(path).status_code == 200, path
    assert c.get("/api/models/credit/eu").json()["model"] == "credit/eu"
    assert c.get("/api/models/credit/eu/drift").json()["model"] == "credit/eu"
    assert c.get("/models/credit").status_code == 404
    assert c.get("/models/credit/eu/").status_code == c.get("/api/models/credit/eu/drift/").status_code == 200
    assert "no model named 'nope'" in c.get("/api/models/nope/drift").json()["detail"]


def test_serve_refuses_a_project_with_a_metric_error(demo: Path) -> None:
    """`run` and `validate` exit 2 on it; `serve` must not start and fail every tick instead."""
    metric = next((demo / "metrics").glob("*.metric"))
    metric.write_text(metric.read_text() + "metric broken = sum(features.incme)\n")
    res = _serve(demo, "--port", str(free_port()))
    assert res.returncode == 2, res.stderr
    assert "unknown field features.incme" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_serve_rejects_a_port_out_of_range(demo_master: Path, port: str) -> None:
    res = _serve(demo_master, "--port", port, "--no-scheduler")
    assert res.returncode == 2 and "--port" in res.stderr
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr


def test_serve_on_a_port_in_use_says_so_before_it_starts_the_scheduler(demo: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = _serve(demo, "--port", str(port))
    assert res.returncode == 3, res.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in res.stderr and "--port" in res.stderr
    assert "scheduler started" not in res.stderr and "Traceback" not in res.stderr


def test_python_api_wrong_argument_types_are_telltale_errors(demo_master: Path) -> None:
    with pytest.raises(ConfigError, match="project folder"):
        telltale.load(None)  # type: ignore[arg-type]
    project = telltale.load(demo_master, warehouse=False)
    with pytest.raises(ConfigError, match="model: give a model name"):
        project.history(model=["credit"])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="column: give a column name"):
        project.history(column=["income"])  # type: ignore[arg-type]


def test_history_takes_several_monitors_as_run_does(demo_master: Path) -> None:
    from typer.testing import CliRunner

    from telltale.cli.main import app

    res = CliRunner().invoke(app, ["history", "--project", str(demo_master), "--csv",
                                   "--monitor", "feature drift", "--monitor", "score drift"])
    assert res.exit_code == 0, res.output
    assert {line.split(",")[2] for line in res.stdout.splitlines()[1:]} == {"feature drift", "score drift"}
    both = telltale.load(demo_master, warehouse=False).history(monitor=["feature drift", "score drift"])
    assert set(both["monitor"]) == {"feature drift", "score drift"}



def test_a_store_lost_while_serving_answers_503_not_a_traceback(demo: Path) -> None:
    """The store's file turns unreadable under a running server: /healthz and every page say
    so (503 with the reason); no request dies with an internal error and a traceback."""
    project = load_project(demo)
    store = open_store(project.store_url)
    c = TestClient(create_app(project, store))
    assert c.get("/api/models").status_code == 200
    (demo / ".telltale" / "state.db").write_bytes(b"not a database" * 512)
    for suffix in ("-wal", "-shm"):
        (demo / ".telltale" / f"state.db{suffix}").unlink(missing_ok=True)
    store.engine.dispose()                       # new connections open the broken file
    assert c.get("/healthz").status_code == 503
    for path in ("/", "/api/models", "/metrics", "/api/history", "/models/credit", "/alerts"):
        res = c.get(path)
        assert res.status_code == 503, path
        assert "state store" in res.json()["error"] and "not a database" in res.json()["error"], path


def test_history_json_is_strict_when_a_stored_threshold_is_not_finite(demo: Path, demo_end_time) -> None:
    """A result may carry a NaN or infinite bound (run --json turns them into null with a
    note); `history --json` printed an internal error on such a stored point."""
    import json

    from typer.testing import CliRunner

    from telltale.cli.main import app
    from telltale.store.records import MetricPoint

    store = open_store(load_project(demo).store_url)
    store.put_metric_points([MetricPoint(
        run_id="r-inf", at=demo_end_time, model="credit", monitor="mean income", column="income",
        segment_key="", metric="mean", value=1.0, status="error", window_start=demo_end_time,
        window_end=demo_end_time, extra={"type": "metric_change", "message": "bounds overflowed",
                                         "threshold": {"min": float("-inf"), "max": float("inf")}})])
    store.close()
    res = CliRunner().invoke(app, ["history", "--project", str(demo), "--json", "--monitor", "mean income"])
    assert res.exit_code == 0, res.output

    def refuse(token: str) -> None:
        raise AssertionError(f"{token} in history --json")

    last = json.loads(res.stdout, parse_constant=refuse)[-1]
    assert last["threshold"] == {"min": None, "max": None}
    assert "threshold.max was inf" in last["message"] and last["message"].startswith("bounds overflowed")


def test_the_api_urls_as_docs_serving_md_writes_them(demo_master: Path) -> None:
    """`/api/alerts?status=` and `/api/history?model=&monitor=&column=&since=`: an empty
    parameter is no filter."""
    project = load_project(demo_master)
    c = TestClient(create_app(project, open_store(project.store_url)))
    alerts = c.get("/api/alerts?status=")
    assert alerts.status_code == 200 and alerts.json() == c.get("/api/alerts").json()
    points = c.get("/api/history?model=&monitor=&column=&since=")
    assert points.status_code == 200 and points.json() == c.get("/api/history").json()
    assert points.json()["points"]


def test_json_logs_carry_no_terminal_colour_codes() -> None:
    """uvicorn adds a `color_message` with ANSI escapes to its records; a JSON log line is for
    machines and keeps the plain `message`."""
    import json
    import logging

    from telltale.serve.logs import JsonFormatter

    record = logging.LogRecord("uvicorn.error", logging.INFO, "", 0, "Started server process [%d]", (42,), None)
    record.color_message = "Started server process [\x1b[36m%d\x1b[0m]"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "Started server process [42]" and "color_message" not in line


@pytest.mark.parametrize("interval", ["inf", "1e12"])
def test_serve_rejects_an_interval_the_scheduler_cannot_wait(demo_master: Path, interval: str) -> None:
    """threading's wait() overflows on such a timeout: the scheduler thread died with a
    traceback after its first tick while the server went on."""
    res = _serve(demo_master, "--interval", interval, "--port", str(free_port()))
    assert res.returncode == 2 and "--interval" in res.stderr and "Traceback" not in res.stderr


def test_report_frame_has_every_run_json_field(demo_master: Path, demo_end_time) -> None:
    """DESIGN: to_pandas() is one row per result with the `run --json` fields, so a KS
    monitor's p_value (and every other field a result carries) is a column too."""
    report = telltale.load(demo_master, warehouse=False).run(at=demo_end_time, dry_run=True)
    frame = report.to_pandas()
    fields = list(dict.fromkeys(k for r in report.as_json()["results"] for k in r))
    assert set(fields) <= set(frame.columns) and "p_value" in fields
    ks = frame[frame.monitor == "income distribution (KS)"].iloc[0]
    assert 0 <= ks.p_value <= 1
    assert list(frame.columns[-2:]) == ["window_start", "window_end"]


def test_report_as_json_is_what_run_json_prints_even_with_non_finite_numbers(demo_master: Path) -> None:
    """`as_json()` is documented as the object `run --json` prints: strict JSON, NaN and
    infinity as null with a note, never tokens json.dumps(allow_nan=False) refuses."""
    import json
    from datetime import datetime, timezone

    from telltale.api.project import Report
    from telltale.core.results import MonitorResult
    from telltale.runner.run import RunReport

    result = MonitorResult(monitor="m", model="credit", type="metric_change", column="income", segment=None,
                           metric="variance", value=float("nan"), threshold={"max": float("inf")},
                           status="error", severity="medium", window=None, baseline=None,
                           message="not precise")
    report = Report(RunReport("r1", datetime(2026, 3, 13, tzinfo=timezone.utc), [result]))
    [row] = json.loads(json.dumps(report.as_json(), allow_nan=False))["results"]
    assert row["value"] is None and row["threshold"] == {"max": None}
    assert "value was nan" in row["message"] and "threshold.max was inf" in row["message"]
    frame = report.to_pandas()
    assert frame.value.isna().all()


def test_the_error_classes_python_md_names_are_importable_from_telltale(tmp_path: Path) -> None:
    """DESIGN: errors raise `telltale.TelltaleError` subclasses; docs/python.md names them."""
    for name in ("TelltaleError", "ConfigError", "StoreError", "MissingExtraError"):
        assert issubclass(getattr(telltale, name), telltale.TelltaleError) and name in telltale.__all__
    (tmp_path / "telltale.yml").write_text(
        "version: 1\nconnections:\n  wh: {type: duckdb, database: wh.duckdb}\nmetrics: ['*.metric']\n"
        "models:\n  m: {type: binary, connection: wh, source: {table: t}, timestamp: ts, predictions: {p: numeric}}\n"
        "monitors:\n  - {name: c, model: m, type: custom_metric, metric: bad, detection: {absolute: {max: 1}}}\n")
    (tmp_path / "x.metric").write_text("metric bad = mean(p +)\n")
    with pytest.raises(telltale.ConfigError, match=r"x\.metric:1:22: unexpected '\)'"):
        telltale.load(tmp_path, warehouse=False)
