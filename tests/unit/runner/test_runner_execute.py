"""The executor: runs a plan on a real DuckDB warehouse and contains failures, so a failing
query fails only the monitors reading what it fetched.

A failure is injected by wrapping the real DuckDB connector: no peer fails one chosen
query on demand, so `Failing` raises ConnectorError for the statements whose SQL matches,
and hands every other statement to DuckDB unchanged.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from telltale.errors import ConnectorError
from telltale.runner.execute import QueryLog, execute_plan
from telltale.runner.metrics import MetricCompiler
from telltale.runner.plan import plan_monitors
from telltale.runner.scans import FreshState

from _runner_project import AT, make_project

DAY = timedelta(days=1)


class Failing:
    """A DuckDB connector whose statements containing `needle` fail."""

    def __init__(self, inner: Any, needle: str) -> None:
        self.inner, self.needle = inner, needle
        self.name, self.dialect = inner.name, inner.dialect

    def relation(self, source: Any) -> Any:
        return self.inner.relation(source)

    def describe(self, source: Any) -> Any:
        return self.inner.describe(source)

    def execute(self, query: Any) -> Any:
        if self.needle in query.sql(dialect="duckdb"):
            raise ConnectorError(f"injected failure of a query reading {self.needle}")
        return self.inner.execute(query)

    def close(self) -> None:
        self.inner.close()


def _run(root: Path, needle: str, failing_model: str | None = None) -> dict[str, Any]:
    project = make_project(root)
    inner = project.connection("wh").open(root)
    log = QueryLog()

    def connector_for(name: str) -> Any:
        if failing_model is not None and name == failing_model:
            raise ConnectorError(f"cannot reach the warehouse of {name}")
        return Failing(inner, needle)

    try:
        plan = plan_monitors(project, project.monitors(), at=AT, now=AT + DAY, state=FreshState(),
                             connector_for=connector_for, compiler=MetricCompiler(project))
        results = execute_plan(project, plan, store=None, log=log, run_id="test")
    finally:
        inner.close()
    return {"results": results, "by_monitor": {r.monitor: r for r in results if r.column in (None, "x")},
            "statuses": {(r.monitor, r.column): r.status for r in results}, "log": log}


def test_without_failures_every_monitor_is_judged(tmp_path: Path) -> None:
    out = _run(tmp_path, needle="no such text")
    assert set(out["statuses"].values()) <= {"ok", "alert"}
    assert [r.monitor for r in out["results"]] == ["fresh", "volume", "drift", "drift", "drift vs training",
                                                   "n volume"]
    assert out["by_monitor"]["volume"].value == 10.0


def test_a_failing_training_scan_fails_only_the_monitor_comparing_with_it(tmp_path: Path) -> None:
    out = _run(tmp_path, needle='"training"')
    bad = out["by_monitor"]["drift vs training"]
    assert bad.status == "error" and bad.error == 'injected failure of a query reading "training"'
    others = {k: v for k, v in out["statuses"].items() if k[0] != "drift vs training"}
    assert len(others) == 5 and set(others.values()) <= {"ok", "alert"}


def test_a_failing_query_hook_fails_only_its_monitor(tmp_path: Path) -> None:
    out = _run(tmp_path, needle="AS newest")
    assert out["by_monitor"]["fresh"].status == "error" and "injected" in out["by_monitor"]["fresh"].error
    others = [s for (name, _), s in out["statuses"].items() if name != "fresh"]
    assert len(others) == 5 and set(others) <= {"ok", "alert"}


def test_a_failing_grid_query_fails_the_histogram_readers_only(tmp_path: Path) -> None:
    """The grid of x cannot be computed: both drift monitors read x's histogram and fail;
    the row counts and staleness are still judged (the scans of the rest still ran)."""
    out = _run(tmp_path, needle="QUANTILE")
    errors = {k for k, v in out["statuses"].items() if v == "error"}
    assert errors == {("drift", None), ("drift vs training", None)}
    assert "injected" in out["by_monitor"]["drift"].error
    assert {out["by_monitor"][n].status for n in ("fresh", "volume", "n volume")} <= {"ok", "alert"}
    assert {"fused", "scalar"} <= {q["kind"] for q in out["log"].entries}   # both models were scanned


def test_a_model_that_cannot_connect_fails_its_monitors_alone(tmp_path: Path) -> None:
    out = _run(tmp_path, needle="no such text", failing_model="n")
    assert out["by_monitor"]["n volume"].status == "error"
    assert out["by_monitor"]["n volume"].error == "cannot reach the warehouse of n"
    others = [s for (name, _), s in out["statuses"].items() if name != "n volume"]
    assert len(others) == 5 and set(others) <= {"ok", "alert"}
