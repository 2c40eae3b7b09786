"""A hostile user against DESIGN.md: the command line, its exit codes and JSON, and what
`validate` promises ("checks config and DSL, and that every column exists in the warehouse").

Each test is a place where the product once differed from DESIGN.md or the charter.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from churn_project import CONFIG
from telltale.cli.main import app

runner = CliRunner()
AT = "2026-03-13T00:00:00Z"


def _project(churn_project: Path, tmp_path: Path, config: str) -> Path:
    root = tmp_path / "p"
    shutil.copytree(churn_project, root)
    (root / "telltale.yml").write_text(config)
    return root


def _training(config: str, monitors: str) -> str:
    return config.replace("baseline: {window: {last: 28d, skip: 1d}}",
                          "baseline: {training: {table: training_set}}").split("monitors:\n")[0] + monitors


TRAINING_MONITORS = """monitors:
  - {name: spend drift, model: churn, type: data_drift, columns: [spend], method: psi}
  - {name: score drift, model: churn, type: prediction_drift, columns: [churn_score], method: js,
     baseline: {window: {last: 28d, skip: 1d}}}
"""


def test_validate_reports_a_training_set_that_does_not_exist(churn_project: Path, tmp_path: Path) -> None:
    root = _project(churn_project, tmp_path, _training(CONFIG, TRAINING_MONITORS))
    res = runner.invoke(app, ["validate", "--project", str(root)])
    assert res.exit_code == 2, res.output
    assert "telltale.yml:16:26: cannot read the training set" in res.output
    assert "training_set" in res.output


def test_validate_and_run_report_a_column_the_training_set_lacks(churn_project: Path, tmp_path: Path) -> None:
    """The baseline's data set must hold every column its monitors compare (a run would
    fail half-way otherwise); columns no monitor compares with it may be absent."""
    root = _project(churn_project, tmp_path, _training(CONFIG, TRAINING_MONITORS))
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute("CREATE TABLE training_set AS SELECT tenure AS spend_usd FROM events LIMIT 100")
    con.close()
    res = runner.invoke(app, ["validate", "--project", str(root)])
    assert res.exit_code == 2, res.output
    assert ("telltale.yml:16:26: column 'spend' of features.spend is not in the training set "
            "(columns: spend_usd)") in res.output
    assert "churn_score" not in res.output          # its monitor compares with a window baseline
    res = runner.invoke(app, ["run", "--project", str(root), "--at", AT])
    assert res.exit_code == 2, res.output          # bad input: nothing run, nothing stored
    assert "is not in the training set" in res.output
    assert not (root / ".telltale").exists()


def test_validate_accepts_a_training_set_with_the_compared_columns(churn_project: Path, tmp_path: Path) -> None:
    root = _project(churn_project, tmp_path, _training(CONFIG, TRAINING_MONITORS))
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute("CREATE TABLE training_set AS SELECT spend FROM events LIMIT 100")
    con.close()
    res = runner.invoke(app, ["validate", "--project", str(root)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["run", "--project", str(root), "--at", AT, "--json"])
    assert res.exit_code in (0, 1), res.output
    assert {r["status"] for r in json.loads(res.stdout)["results"]} <= {"ok", "alert"}


def test_init_and_demo_take_project_like_every_command(tmp_path: Path) -> None:
    """DESIGN: every command takes --project DIR; for init and demo it names the new folder."""
    res = runner.invoke(app, ["init", "--project", str(tmp_path / "starter")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "starter" / "telltale.yml").is_file()
    res = runner.invoke(app, ["validate", "--no-warehouse", "--project", str(tmp_path / "starter")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["demo", "--project", str(tmp_path / "d"), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["results"] and (tmp_path / "d" / "telltale.yml").is_file()


def test_init_through_python_dash_m(tmp_path: Path) -> None:
    """`python -m telltale.cli.main` (main as __main__) registers init and demo as well."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "telltale.cli.main", "init", "--project", str(tmp_path / "s")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "s" / "telltale.yml").is_file()


def test_init_refuses_two_different_folders_and_none(tmp_path: Path) -> None:
    res = runner.invoke(app, ["init", str(tmp_path / "a"), "--project", str(tmp_path / "b")])
    assert res.exit_code == 2 and "give the folder once" in res.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    res = runner.invoke(app, ["init"])
    assert res.exit_code == 2 and "telltale init DIR" in res.output
    res = runner.invoke(app, ["init", str(tmp_path / "c"), "--project", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output


def test_history_column_filter_names_an_unknown_column(churn_project: Path, tmp_path: Path) -> None:
    """--column is checked like --model and --monitor: a typo is a usage error, not an empty list."""
    root = _project(churn_project, tmp_path, CONFIG)
    assert runner.invoke(app, ["run", "--project", str(root), "--at", AT, "--monitor", "nulls"]).exit_code in (0, 1)
    res = runner.invoke(app, ["history", "--project", str(root), "--column", "spnd", "--json"])
    assert res.exit_code == 2
    assert "no column named 'spnd' (did you mean 'spend'?)" in res.output
    res = runner.invoke(app, ["history", "--project", str(root), "--column", "spend", "--json"])
    assert res.exit_code == 0, res.output
    points = json.loads(res.stdout)
    assert points and {p["column"] for p in points} == {"spend"}
    for qualified in ("features.spend",):
        res = runner.invoke(app, ["history", "--project", str(root), "--column", qualified, "--json"])
        assert res.exit_code == 0 and json.loads(res.stdout) == points


def test_python_api_errors_are_telltale_errors_with_the_cli_messages(churn_project: Path, tmp_path: Path) -> None:
    import pytest

    import telltale

    root = _project(churn_project, tmp_path, CONFIG)
    project = telltale.load(root)
    cli = runner.invoke(app, ["alerts", "list", "--project", str(root), "--status", "closed"])
    assert cli.exit_code == 2
    with pytest.raises(telltale.TelltaleError) as info:
        project.alerts(status="closed")
    assert str(info.value).split(": ", 1)[1] in cli.output       # the same words after the option name
    for wrong in (5, [5], {"volume": 1}):
        with pytest.raises(telltale.TelltaleError, match="monitors: give a monitor name or a list of names"):
            project.run(at=AT, monitors=wrong, dry_run=True)     # type: ignore[arg-type]
    assert not (root / ".telltale").exists()


def test_two_training_sets_each_with_only_its_monitors_columns(churn_project: Path, tmp_path: Path) -> None:
    """Histogram bins are sampled from the training set that holds the column: with two
    training sets (and no window baseline) the first one was asked for every column, and
    the monitors of the other failed on a column it lacks."""
    monitors = """monitors:
  - {name: spend drift, model: churn, type: data_drift, columns: [spend], method: psi}
  - {name: score drift, model: churn, type: prediction_drift, columns: [churn_score], method: psi,
     baseline: {training: {table: scores_train}}}
"""
    root = _project(churn_project, tmp_path, _training(CONFIG, monitors))
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute("CREATE TABLE training_set AS SELECT spend FROM events WHERE ts < '2026-02-20'")
    con.execute("CREATE TABLE scores_train AS SELECT churn_score FROM events WHERE ts < '2026-02-20'")
    con.close()
    assert runner.invoke(app, ["validate", "--project", str(root)]).exit_code == 0
    compiled = runner.invoke(app, ["compile", "--project", str(root), "--at", AT])
    assert compiled.exit_code == 0, compiled.output
    res = runner.invoke(app, ["run", "--project", str(root), "--at", AT, "--json"])
    assert res.exit_code in (0, 1), res.output
    results = {r["monitor"]: r for r in json.loads(res.stdout)["results"]}
    assert results["spend drift"]["status"] == "alert", results["spend drift"]    # spend tripled on the last day
    assert results["score drift"]["status"] in ("ok", "alert"), results["score drift"]
    assert results["score drift"]["value"] is not None


def test_a_run_releases_its_state_store(churn_project: Path, tmp_path: Path) -> None:
    """project.run() closes the store it opened: in a notebook or an orchestrator, runs
    must not pile up open SQLite connections (SQLite folds its write-ahead log back into
    the database, and removes it, when the last connection closes)."""
    import gc

    import telltale

    root = _project(churn_project, tmp_path, CONFIG)
    project = telltale.load(root)
    gc.disable()                  # only an explicit close may release it, not the collector
    try:
        for _ in range(2):
            assert project.run(at=AT, monitors=["volume"]).exit_code in (0, 1)
            assert not (root / ".telltale" / "state.db-wal").exists()
        with pytest.raises(telltale.TelltaleError):
            project.run(at=AT, monitors=["nope"])
        assert not (root / ".telltale" / "state.db-wal").exists()
    finally:
        gc.enable()


def test_alerts_list_before_any_run_creates_no_store(churn_project: Path, tmp_path: Path) -> None:
    """A listing only reads: before the first run it lists nothing and leaves no state store."""
    root = _project(churn_project, tmp_path, CONFIG)
    stores = sorted(p.relative_to(root) for p in root.rglob("*.db"))
    res = runner.invoke(app, ["alerts", "list", "--project", str(root), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {"alerts": [], "outbox": []}
    assert sorted(p.relative_to(root) for p in root.rglob("*.db")) == stores
    res = runner.invoke(app, ["run", "--project", str(root), "--at", AT, "--json"])
    assert res.exit_code in (0, 1), res.output
    listed = runner.invoke(app, ["alerts", "list", "--project", str(root), "--json"])
    assert listed.exit_code == 0 and len(json.loads(listed.stdout)["alerts"]) == len(
        [a for a in json.loads(res.stdout)["alerts"] if a["status"] == "firing"])


def test_monitor_may_be_repeated_and_every_name_is_checked(churn_project: Path, tmp_path: Path) -> None:
    """`--monitor a --monitor b` runs both (it once ran only the last, silently)."""
    root = _project(churn_project, tmp_path, CONFIG)
    res = runner.invoke(app, ["run", "--project", str(root), "--at", AT, "--dry-run", "--json",
                              "--monitor", "volume", "--monitor", "nulls"])
    assert res.exit_code in (0, 1), res.output
    assert {r["monitor"] for r in json.loads(res.stdout)["results"]} == {"volume", "nulls"}
    bad = runner.invoke(app, ["run", "--project", str(root), "--at", AT, "--monitor", "volume", "--monitor", "vol"])
    assert bad.exit_code == 2 and "no monitor named 'vol'" in bad.output
    back = runner.invoke(app, ["backfill", "--project", str(root), "--from", "2026-03-10", "--to", "2026-03-11",
                               "--monitor", "volume", "--monitor", "fresh"])
    assert back.exit_code == 0, back.output
    assert "2 bucket(s) evaluated, 4 results stored" in back.output   # 2 monitors x 2 days
