"""Ranking metrics through a whole run (ranked per query inside DuckDB), against sklearn's
ndcg_score / average_precision_score and hand computations on the raw rows.

Scores are continuous (no ties), so the warehouse's ROW_NUMBER order is the order sklearn
uses; the values are sums of per-query floats, so the bound is 1e-9 relative.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

from ranking_project import CONFIG, make_results

from telltale.cli.main import app

AT = "2026-03-13T00:00:00Z"

@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("rank")
    t = make_results()
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.register("t_arrow", t)
    con.execute("CREATE TABLE t AS SELECT * FROM t_arrow")
    con.close()
    (root / "telltale.yml").write_text(CONFIG)
    return root


def _queries(project: Path, market: str | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    con = duckdb.connect(str(project / "wh.duckdb"), read_only=True)
    df = con.execute("SELECT * FROM t WHERE ts >= '2026-03-06' AND ts < '2026-03-13'").df()
    con.close()
    if market is not None:
        df = df[df.market == market]
    return [(g.score.to_numpy(), g.relevance.to_numpy().astype(float)) for _, g in df.groupby("qid")]


def _order(score: np.ndarray, rel: np.ndarray) -> np.ndarray:
    return rel[np.argsort(-score, kind="stable")]


def _mrr(score: np.ndarray, rel: np.ndarray, k: int | None = None) -> float:
    ranked = _order(score, rel)[:k]
    hits = np.flatnonzero(ranked > 0)
    return 1.0 / (hits[0] + 1) if len(hits) else 0.0


def _ap(score: np.ndarray, rel: np.ndarray, k: int) -> float:
    ranked = _order(score, rel) > 0
    total = int(ranked.sum())
    if total == 0:
        return 0.0
    top = ranked[:k]
    prec = np.cumsum(top) / np.arange(1, len(top) + 1)
    return float((prec * top).sum() / min(k, total))


def test_ranking_metrics_match_sklearn_and_hand_computation(project: Path) -> None:
    res = CliRunner().invoke(app, ["run", "--project", str(project), "--at", AT, "--json"])
    assert res.exit_code in (0, 1), res.output
    out = json.loads(res.stdout)
    assert all(r["error"] is None for r in out["results"]), out["results"]
    got = {r["monitor"]: r["value"] for r in out["results"] if r["segment"] is None}
    qs = _queries(project)
    assert len(qs) > 500
    ndcg5 = np.mean([skm.ndcg_score([r], [s], k=5) for s, r in qs])
    ndcg10 = np.mean([skm.ndcg_score([r], [s], k=10) for s, r in qs])
    assert got["ndcg5"] == pytest.approx(ndcg5, rel=1e-9)
    assert got["ndcg"] == pytest.approx(ndcg10, rel=1e-9)            # default k = 10
    assert got["ndcg5"] != pytest.approx(ndcg10, rel=1e-3)           # k is honoured
    assert got["mrr"] == pytest.approx(np.mean([_mrr(s, (r >= 2).astype(float)) for s, r in qs]), rel=1e-9)
    assert got["mrr3"] == pytest.approx(np.mean([_mrr(s, r, 3) for s, r in qs]), rel=1e-9)
    assert got["map4"] == pytest.approx(np.mean([_ap(s, r, 4) for s, r in qs]), rel=1e-9)
    # without a cut-off, average precision per query is sklearn's (0 for a query without a hit)
    aps = [skm.average_precision_score(r >= 2, s) if (r >= 2).any() else 0.0 for s, r in qs]
    assert got["map all"] == pytest.approx(np.mean(aps), rel=1e-9)
    by_market = {r["segment"]["market"]: r["value"] for r in out["results"]
                 if r["monitor"] == "ndcg by market" and r["segment"]}
    for market in ("us", "eu"):
        exact = np.mean([skm.ndcg_score([r], [s], k=5) for s, r in _queries(project, market)])
        assert by_market[market] == pytest.approx(exact, rel=1e-9)


def test_ranking_compile_ranks_inside_the_warehouse(project: Path) -> None:
    res = CliRunner().invoke(app, ["compile", "--project", str(project), "--at", AT, "--full"])
    assert res.exit_code == 0, res.output
    assert "ROW_NUMBER() OVER (PARTITION BY" in res.stdout
    assert '"qid"' in res.stdout or "qid" in res.stdout


def test_ranking_metric_on_other_model_type_is_a_config_error(tmp_path: Path) -> None:
    cfg = CONFIG.replace("type: ranking", "type: regression").replace("    query_id: qid\n", "")
    (tmp_path / "telltale.yml").write_text(cfg)
    res = CliRunner().invoke(app, ["validate", "--project", str(tmp_path), "--no-warehouse"])
    assert res.exit_code == 2, res.output
    assert "ranking" in res.output
