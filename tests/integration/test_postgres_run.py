"""`telltale run` on a project whose connection is a real PostgreSQL: the same statuses and
values as the same project on DuckDB; a PostgreSQL connection that cannot be reached fails its
own monitors (exit 3) while another connection's monitors still run and are stored.

Values: counts, means and ratios equal DuckDB's to 1e-9 (relative); drift statistics read
histograms on each engine's own bin edges (DuckDB's APPROX_QUANTILE, PostgreSQL's exact
PERCENTILE_CONT), so they agree to 0.02 absolute, and every status is the same.
"""

from __future__ import annotations

import json
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from churn_project import CONFIG, make_events, write_project  # noqa: E402

from telltale.cli.main import app  # noqa: E402

AT = "2026-03-13T00:00:00Z"
runner = CliRunner()
DUCK = "  wh: {type: duckdb, database: wh.duckdb}\n"


def _run(project: Path) -> tuple[int, dict[str, Any], str]:
    res = runner.invoke(app, ["run", "--project", str(project), "--at", AT, "--json"])
    assert res.stdout.strip().startswith("{"), res.output
    return res.exit_code, json.loads(res.stdout), res.output


def _key(r: dict[str, Any]) -> tuple[str, str | None, str]:
    return r["monitor"], r["column"], json.dumps(r["segment"], sort_keys=True)


@pytest.fixture(scope="module")
def pg_events(postgres_server: Any) -> Iterator[str]:
    """A database with the churn project's `events` table; yields its connection line."""
    import psycopg

    name = f"churn_{uuid.uuid4().hex[:8]}"
    postgres_server.execute(f'CREATE DATABASE "{name}"')
    events = make_events()
    with psycopg.connect(postgres_server.conninfo(name)) as con:
        con.execute("CREATE TABLE events (event_id BIGINT, ts TIMESTAMP, tenure DOUBLE PRECISION, "
                    "spend DOUBLE PRECISION, plan TEXT, churn_score DOUBLE PRECISION, "
                    "will_churn BOOLEAN, churned BOOLEAN)")
        with con.cursor().copy("COPY events (event_id, ts, tenure, spend, plan, churn_score, will_churn, "
                               "churned) FROM STDIN") as copy:
            for row in zip(*(events.column(c).to_pylist() for c in events.column_names)):
                copy.write_row(row)
    yield (f"  wh: {{type: postgres, host: {postgres_server.host}, port: {postgres_server.port}, "
           f"database: {name}, user: postgres, timeout: 60}}\n")
    postgres_server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_run_on_postgres_equals_run_on_duckdb(tmp_path: Path, pg_events: str) -> None:
    duck = write_project(tmp_path / "duck")
    pg = tmp_path / "pg"
    shutil.copytree(duck, pg)
    (pg / "wh.duckdb").unlink()
    (pg / "telltale.yml").write_text(CONFIG.replace(DUCK, pg_events))
    code_d, out_d, _ = _run(duck)
    code_p, out_p, text = _run(pg)
    assert code_p == code_d == 1, text
    dres, pres = {_key(r): r for r in out_d["results"]}, {_key(r): r for r in out_p["results"]}
    assert set(dres) == set(pres) and len(pres) == 12
    for k, d in dres.items():
        p = pres[k]
        assert (p["status"], p["error"]) == (d["status"], d["error"]), k
        if d["value"] is None:
            assert p["value"] is None, k
        elif d["type"] == "data_drift":
            assert p["value"] == pytest.approx(d["value"], abs=0.02), k
        else:
            assert p["value"] == pytest.approx(d["value"], rel=1e-9), k
    assert {q["connection"] for q in out_p["queries"]} == {"wh"}
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in out_p["queries"])


def test_unreachable_postgres_fails_only_its_monitors(tmp_path: Path) -> None:
    """A broken network (nothing listens on the port) and a Redshift login without a password."""
    project = write_project(tmp_path / "two")
    cfg = CONFIG.replace(DUCK, DUCK + "  down: {type: postgres, host: 127.0.0.1, port: 1, database: x, "
                                      "user: u, password: nope}\n"
                                      "  nopass: {type: redshift, host: 127.0.0.1, database: dev, user: u}\n")
    models = "".join(f"""  {name}:
    type: binary
    connection: {conn}
    source: {{table: events}}
    timestamp: ts
    features: {{spend: numeric}}
    predictions: {{will_churn: boolean}}
""" for name, conn in (("elsewhere", "down"), ("redshifted", "nopass")))
    cfg = cfg.replace("monitors:\n", models + """monitors:
  - {name: elsewhere volume, model: elsewhere, type: model_activity, detection: {absolute: {min: 1}}}
  - {name: redshifted volume, model: redshifted, type: model_activity, detection: {absolute: {min: 1}}}
""", 1)
    (project / "telltale.yml").write_text(cfg)
    code, out, text = _run(project)
    assert code == 3, text
    (down,) = [r for r in out["results"] if r["model"] == "elsewhere"]
    assert down["status"] == "error"
    assert "cannot reach PostgreSQL at 127.0.0.1:1/x" in down["error"] and "check host, port" in down["error"]
    assert "connection 'down' (postgres)" in down["error"]   # the runner names the connection
    (nopass,) = [r for r in out["results"] if r["model"] == "redshifted"]
    assert nopass["status"] == "error" and "connection 'nopass' (redshift)" in nopass["error"]
    assert "has no password; set `password`" in nopass["error"]
    churn = [r for r in out["results"] if r["model"] == "churn"]
    assert churn and all(r["status"] in ("ok", "alert") for r in churn)
    from telltale.config import load_project
    from telltale.store import open_store

    store = open_store(load_project(project).store_url)
    assert store.recent_runs(1)[0].exit_code == 3
