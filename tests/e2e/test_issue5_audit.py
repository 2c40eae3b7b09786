"""Issue 5 audit: the reproductions a new user hits first, end to end through the CLI.

A binary model on a DuckDB table with an INTEGER feature whose squares overflow INT32, a
categorical segment with NULL and the string 'null', and a label table where half the
focal day's predictions got a second, later label. Each value is checked against the exact
answer computed from the raw rows.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from telltale.cli.main import app
from telltale.monitors.detection import change

runner = CliRunner()
AT = "2026-05-11T00:00:00Z"          # focal window: 2026-05-10
FOCAL = (datetime(2026, 5, 10), datetime(2026, 5, 11))

CONFIG = """\
version: 1
connections:
  wh: {{type: duckdb, database: wh.duckdb}}
models:
  m:
    type: binary
    connection: wh
    source: {source}
    id: id
    timestamp: ts
    features: {{x: numeric, cat: categorical}}
    predictions: {{score: numeric, pred: boolean}}
    actuals: {{y: boolean}}
    actuals_source:
      source: {{table: labels}}
      id: id
      timestamp: ts
    segments: [cat]
    baseline: {{window: {{last: 7d, skip: 1d}}}}
monitors:
  - {{name: act, model: m, type: model_activity, segment: all, detection: {{change: {{percent: 30}}}}}}
  - {{name: mx, model: m, type: metric_change, columns: [x], statistic: mean, detection: {{change: {{percent: 20}}}}}}
  - {{name: sx, model: m, type: metric_change, columns: [x], statistic: stddev, detection: {{change: {{percent: 20}}}}}}
  - {{name: miss, model: m, type: missing_values, columns: [cat], detection: {{absolute: {{max: 0.05}}}}}}
  - {{name: prec, model: m, type: performance_degradation, metric: precision, detection: {{change: {{percent: 20}}}}}}
"""


def _write(root: Path, source: str = "{table: preds}") -> Path:
    rng = np.random.default_rng(1)
    root.mkdir(parents=True)
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.execute("CREATE TABLE preds (id BIGINT, ts TIMESTAMP, x INTEGER, cat VARCHAR, score DOUBLE, pred BOOLEAN)")
    con.execute("CREATE TABLE labels (id BIGINT, ts TIMESTAMP, y BOOLEAN)")
    preds, labels = [], []
    for d in range(10):
        for k in range(200):
            i = d * 200 + k
            t = datetime(2026, 5, 1) + timedelta(days=d, seconds=int(rng.integers(0, 86400)))
            cat = [None, "null", "A", "B", "C"][k % 5] if d == 9 else ["A", "B", "C", None][k % 4]
            s = float(rng.random())
            preds.append((i, t, int(rng.integers(-2**31 + 1, 2**31 - 1)), cat, s, s > 0.5))
            labels.append((i, t + timedelta(hours=1), bool(rng.random() < 0.3)))
            if d == 9 and k % 2 == 0:     # a second, later label (some after --at)
                labels.append((i, t + timedelta(hours=2), bool(rng.random() < 0.3)))
    con.executemany("INSERT INTO preds VALUES (?, ?, ?, ?, ?, ?)", preds)
    con.executemany("INSERT INTO labels VALUES (?, ?, ?)", labels)
    con.close()
    (root / "telltale.yml").write_text(CONFIG.format(source=source))
    return root


def _run(root: Path, *args: str) -> tuple[int, dict]:
    res = runner.invoke(app, ["run", "--project", str(root), "--at", AT, "--json", *args])
    assert res.exit_code in (0, 1), res.output

    def refuse(token: str) -> None:
        raise AssertionError(f"non-strict JSON token {token}")

    return res.exit_code, json.loads(res.stdout, parse_constant=refuse)


def _value(out: dict, monitor: str, segment: dict | None = None) -> dict:
    (r,) = [r for r in out["results"] if r["monitor"] == monitor and r["segment"] == segment]
    return r


def _exact(root: Path) -> dict:
    """The focal day's answers from the raw rows (labels: the latest existing at --at)."""
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    at = "TIMESTAMP '2026-05-11 00:00:00'"
    window = f"p.ts >= {at} - INTERVAL 1 DAY AND p.ts < {at}"
    x = np.array([r[0] for r in con.execute(f"SELECT x FROM preds p WHERE {window}").fetchall()], dtype=float)
    rows = con.execute(f"""
        SELECT p.pred, (SELECT y FROM labels l WHERE l.id = p.id AND l.ts <= {at} ORDER BY l.ts DESC LIMIT 1),
               (SELECT count(*) FROM labels l WHERE l.id = p.id AND l.ts <= {at}), p.cat
        FROM preds p WHERE {window}""").fetchall()
    con.close()
    labelled_pos = [y for pred, y, _n, _c in rows if pred and y is not None]
    return {"count": len(rows), "mean": x.mean(), "std": x.std(ddof=1),
            "precision": sum(labelled_pos) / len(labelled_pos),
            "duplicates": sum(n - 1 for _p, _y, n, _c in rows if n > 1),
            "missing": sum(c is None for *_r, c in rows) / len(rows),
            "null_string": sum(c == "null" for *_r, c in rows)}


def test_integer_feature_duplicate_labels_and_null_segments_are_exact(tmp_path: Path) -> None:
    root = _write(tmp_path / "p")
    exact = _exact(root)
    assert exact["duplicates"] > 0 and exact["null_string"] > 0
    _code, out = _run(root)
    assert _value(out, "act")["value"] == exact["count"] == 200
    assert _value(out, "act", {"cat": "null"})["value"] is None          # no baseline: said so
    assert "has no baseline" in _value(out, "act", {"cat": "null"})["message"]
    assert _value(out, "mx")["value"] == pytest.approx(exact["mean"], rel=1e-12)
    assert _value(out, "sx")["value"] == pytest.approx(exact["std"], rel=1e-9)
    assert _value(out, "miss")["value"] == pytest.approx(exact["missing"], abs=1e-12)
    prec = _value(out, "prec")
    assert prec["value"] == pytest.approx(exact["precision"], abs=1e-12)
    assert prec["duplicate_labels"] == exact["duplicates"]
    assert f"{exact['duplicates']} duplicate label rows left out" in prec["message"]


def test_dry_run_repeats_the_stored_numbers_and_a_source_change_recomputes(tmp_path: Path) -> None:
    root = _write(tmp_path / "p")
    _code, stored = _run(root)
    db = root / ".telltale" / "state.db"
    before = db.read_bytes()
    _code, dry = _run(root, "--dry-run")
    assert db.read_bytes() == before
    assert [(r["monitor"], r["segment"], r["value"]) for r in dry["results"]] == \
        [(r["monitor"], r["segment"], r["value"]) for r in stored["results"]]
    (root / "telltale.yml").write_text(CONFIG.format(source="{sql: \"select * from preds where cat = 'A'\"}"))
    _code, out = _run(root)
    assert _value(out, "act")["value"] == 40            # the rows of cat A on the focal day, not 200


@pytest.mark.parametrize("sql, says", [
    ("select 1; select 2", "holds 2 statements"),
    ("delete from preds", "got DELETE"),
    ("select * from read_text('/etc/hostname')", "read_text() may not reach a warehouse"),
])
def test_a_refused_source_sql_is_listed_once(tmp_path: Path, sql: str, says: str) -> None:
    root = _write(tmp_path / "p", source=json.dumps({"sql": sql}))
    res = runner.invoke(app, ["validate", "--project", str(root)])
    assert res.exit_code == 2, res.output
    assert "1 problem found" in res.output and says in res.output, res.output
    assert "cannot read the source" not in res.output      # not listed a second time


def test_a_huge_change_reads_as_a_number() -> None:
    verdict = change(1e299, 5.0, 20.0)
    assert verdict.fired
    assert "moved up 2e+300% from the baseline's 5" in verdict.reason, verdict.reason
    assert len(verdict.reason) < 120
    assert "moved up 25.0%" in change(6.25, 5.0, 20.0).reason
