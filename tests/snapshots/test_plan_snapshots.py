"""Dialect snapshots of a whole run's pushed-down SQL (`telltale compile`), per dialect.

The project is the end-to-end tests' churn model (with labels in a separate table so the
join is covered); its plan at a fixed time is rendered in 8 dialects, compared with
tests/snapshots/<dialect>/plan_churn.sql, and every statement must parse back in its
dialect. Regenerate after an intended change with:
TELLTALE_UPDATE_SNAPSHOTS=1 pytest tests/snapshots
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlglot

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "e2e"))
from churn_project import CONFIG, METRICS  # noqa: E402

from telltale.config import load_project  # noqa: E402
from telltale.runner.compile import compile_project  # noqa: E402

DIALECTS = ("duckdb", "postgres", "redshift", "snowflake", "bigquery", "athena", "trino", "databricks")
UPDATE = os.environ.get("TELLTALE_UPDATE_SNAPSHOTS") == "1"
AT = datetime(2026, 3, 13, tzinfo=timezone.utc)

LABELS = """    actuals_source:
      source: {table: labels}
      id: event_id
      timestamp: labeled_at
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("plan")
    (root / "metrics").mkdir()
    cfg = CONFIG.replace("    segments: [plan]\n", LABELS + "    segments: [plan]\n")
    cfg += "  - {name: labelled f1, model: churn, type: performance_degradation, metric: f1, window: 7d, detection: {change: {percent: 10}}}\n"
    (root / "telltale.yml").write_text(cfg)
    (root / "metrics" / "churn.metric").write_text(METRICS)
    return load_project(root)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_plan_snapshot(project, dialect: str) -> None:
    (_, queries), = list(compile_project(project, model=None, dialect=dialect, at=AT))
    text = "\n\n".join(f"-- {kind}\n{sql};" for kind, sql in queries) + "\n"
    path = HERE / dialect / "plan_churn.sql"
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"no snapshot {path}; create it with TELLTALE_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(), f"{path} changed; regenerate with TELLTALE_UPDATE_SNAPSHOTS=1"
    kinds = [k for k, _ in queries]
    if dialect == "duckdb":   # UNION ALL shape: scalars ride along, one statement per run
        assert [k for k in kinds if "scan" in k] == ["fused scan"]
    else:
        assert any(k.startswith("scalar") for k in kinds) and any(k.startswith("distribution") for k in kinds)
    for _, sql in queries:
        tree = sqlglot.parse_one(sql, read=dialect)
        assert tree.key in ("select", "union")
    upper = text.upper()   # Snowflake's names are upper case (matched as unquoted identifiers)
    assert "LABELS" in upper   # the actuals are joined where a query reads them
    # one label per prediction, the latest as of the run (never a plain join that multiplies rows)
    assert "ROW_NUMBER() OVER (" in text and "__TELLTALE_LABEL_RANK" in upper
    assert "LABELED_AT" in upper and ("2026-03-13 00:00:00" in text or "'2026-03-13'" in text)


RANKING = """\
version: 1
connections:
  wh: {type: duckdb, database: ":memory:"}
models:
  search:
    type: ranking
    connection: wh
    source: {table: results}
    timestamp: ts
    query_id: qid
    features: {market: categorical}
    predictions: {score: numeric}
    actuals: {relevance: numeric}
    segments: [market]
    baseline: {window: {last: 7d}}
monitors:
  - {name: ndcg, model: search, type: performance_degradation, metric: 'ndcg_at_k(predictions.score, actuals.relevance, 5)', window: 1d, segment: all, detection: {change: {percent: 10}}}
  - {name: mrr, model: search, type: performance_degradation, metric: mrr, window: 1d, detection: {absolute: {min: 0.2}}}
  - {name: map, model: search, type: performance_degradation, metric: map_at_k, window: 1d, detection: {absolute: {min: 0.2}}}
"""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_ranking_plan_snapshot(tmp_path, dialect: str) -> None:
    """Ranking metrics rank within each query inside the warehouse (window functions in a
    subquery) and only per-bucket sums come back; snapshot per dialect, parsed back."""
    (tmp_path / "telltale.yml").write_text(RANKING)
    (_, queries), = list(compile_project(load_project(tmp_path), model=None, dialect=dialect, at=AT))
    text = "\n\n".join(f"-- {kind}\n{sql};" for kind, sql in queries) + "\n"
    path = HERE / dialect / "plan_ranking.sql"
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"no snapshot {path}; create it with TELLTALE_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(), f"{path} changed; regenerate with TELLTALE_UPDATE_SNAPSHOTS=1"
    kinds = [k for k, _ in queries]
    assert kinds.count("rank scan") == 2   # one statement for all rows, one grouped by market
    assert "segment count" in kinds         # the segment guard runs before the segmented scan
    for _, sql in queries:
        assert sqlglot.parse_one(sql, read=dialect).key == "select"
    ranked = [sql for kind, sql in queries if kind == "rank scan"]
    for sql in ranked:
        assert sql.count("ROW_NUMBER() OVER (PARTITION BY") == 2 and "ROWS BETWEEN UNBOUNDED PRECEDING" in sql
