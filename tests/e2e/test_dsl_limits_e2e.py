"""Long and deep metrics through the real runner on a DuckDB project: what `validate` accepts,
`run` and `compile` handle; what is too deep is a DSLError at file:line:col, exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from telltale.cli.main import app

runner = CliRunner()
AT = "2026-03-13T00:00:00Z"


def project(churn_project: Path, tmp_path: Path, metric: str) -> Path:
    root = tmp_path / "p"
    shutil.copytree(churn_project, root)
    (root / "metrics" / "churn.metric").write_text(metric)
    return root


def invoke(*args: str):
    res = runner.invoke(app, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    return res


def test_a_metric_of_300_added_terms_validates_and_runs(churn_project: Path, tmp_path: Path) -> None:
    terms = " + ".join(f"count(features.spend[features.spend > {100 + i % 3}])" for i in range(300))
    root = project(churn_project, tmp_path, f"metric high_spend_share =\n  ({terms}) / count() / 300\n")
    assert invoke("validate", "--project", str(root)).exit_code == 0
    res = invoke("run", "--project", str(root), "--at", AT, "--json", "--monitor", "high spenders")
    assert res.exit_code in (0, 1), res.output
    (result,) = json.loads(res.stdout)["results"]
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    share = [con.execute("SELECT count(*) FILTER (WHERE spend > ?) / count(*) FROM events "
                         "WHERE ts >= '2026-03-12' AND ts < '2026-03-13'", [t]).fetchall()[0][0]
             for t in (100, 101, 102)]
    con.close()
    assert result["status"] in ("ok", "alert") and result["error"] is None
    assert result["value"] == pytest.approx(sum(share) / 3, rel=1e-9)
    compiled = invoke("compile", "--project", str(root))
    assert compiled.exit_code == 0 and "SELECT" in compiled.stdout


@pytest.mark.parametrize("command", ["validate", "run", "compile"])
def test_1000_nested_parentheses_are_a_clean_dsl_error(churn_project: Path, tmp_path: Path,
                                                        command: str) -> None:
    body = "(" * 1000 + "count()" + ")" * 1000
    root = project(churn_project, tmp_path, f"metric high_spend_share =\n  {body}\n")
    args = [command, "--project", str(root)] + (["--at", AT] if command == "run" else [])
    res = invoke(*args)
    assert res.exit_code == 2, res.output
    assert "metrics/churn.metric:2:" in res.output
    assert "nested deeper than 100 levels" in res.output
    assert not (root / ".telltale").exists()


def test_metrics_nested_through_each_other_fail_in_validate_like_in_run(churn_project: Path,
                                                                         tmp_path: Path) -> None:
    defs = ["metric a0 = " + "-(" * 45 + "count()" + ")" * 45]
    defs += [f"metric a{i} = " + "-(" * 45 + f"a{i - 1}" + ")" * 45 for i in range(1, 8)]
    defs.append("metric high_spend_share = a7")
    root = project(churn_project, tmp_path, "\n".join(defs) + "\n")
    for args in (["validate"], ["run", "--at", AT], ["compile"]):
        res = invoke(*args, "--project", str(root))
        assert res.exit_code == 2, res.output
        assert "metrics/churn.metric:" in res.output and "counting the metrics it uses" in res.output
