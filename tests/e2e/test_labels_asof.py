"""Labels in a separate table: one label per prediction (the latest as of the run's `--at`),
duplicates never multiply rows and are counted in the message, an earlier `--at` gives that
time's numbers even after later runs stored final summaries, and label finality has exact
boundaries. Every value is checked against the exact answer from the raw rows."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from sklearn.metrics import precision_score

from telltale.config import load_project
from telltale.runner.run import run_project

UTC = timezone.utc
DAY = timedelta(days=1)
START = datetime(2026, 3, 1, tzinfo=UTC)
T1 = datetime(2026, 3, 12, tzinfo=UTC)      # focal 7d: [03-05, 03-12)
T2 = datetime(2026, 3, 17, tzinfo=UTC)      # focal 7d: [03-10, 03-17): overlaps T1's last two days

CONFIG = """\
version: 1
connections:
  wh: {type: duckdb, database: wh.duckdb}
models:
  m:
    type: binary
    connection: wh
    source: {table: preds}
    id: id
    timestamp: ts
    predictions: {pred: boolean}
    actuals: {label: boolean}
    actuals_source:
      source: {table: labels}
      id: id
      timestamp: labeled_at
    late_labels: 2d
  inline:
    type: binary
    connection: wh
    source: {table: preds}
    id: id
    timestamp: ts
    predictions: {pred: boolean}
    actuals: {inline_label: boolean}
    late_labels: 2d
monitors:
  - {name: volume, model: m, type: model_activity, window: 7d, detection: {absolute: {min: 1}}}
  - {name: precision, model: m, type: performance_degradation, metric: precision, window: 7d,
     detection: {absolute: {min: 0.0}}}
  - {name: inline volume, model: inline, type: model_activity, window: 7d, detection: {absolute: {min: 1}}}
  - {name: inline precision, model: inline, type: performance_degradation, metric: precision, window: 7d,
     detection: {absolute: {min: 0.0}}}
"""


def _data(seed: int = 5) -> tuple[pa.Table, pa.Table]:
    """20 days of 50 predictions; each gets a first label 0.5-4 days later, 40% a relabel,
    10% an exact duplicate row, 5% a tie (same time, other value), 3% a label without time."""
    rng = np.random.default_rng(seed)
    ids, ts, pred, inline = [], [], [], []
    lid, lts, lval = [], [], []
    n = 0
    for d in range(20):
        day = (START + d * DAY).replace(tzinfo=None)
        for _ in range(50):
            t = day + timedelta(seconds=int(rng.integers(0, 86400)))
            p = bool(rng.random() < 0.5)
            ids.append(n)
            ts.append(t)
            pred.append(p)
            inline.append(bool(rng.random() < 0.5))
            first = t + timedelta(hours=float(rng.uniform(12, 96)))
            v = bool(rng.random() < (0.7 if p else 0.3))
            lid.append(n)
            lts.append(first)
            lval.append(v)
            if rng.random() < 0.4:
                lid.append(n)
                lts.append(first + timedelta(hours=float(rng.uniform(12, 72))))
                lval.append(not v)
            if rng.random() < 0.1:
                lid.append(n)
                lts.append(first)
                lval.append(v)
            if rng.random() < 0.05:
                lid.append(n)
                lts.append(first)
                lval.append(not v)
            if rng.random() < 0.03:
                lid.append(n)
                lts.append(None)
                lval.append(bool(rng.random() < 0.5))
            n += 1
    grp = ["even" if i % 2 == 0 else "odd" for i in ids]
    preds = pa.table({"id": ids, "ts": pa.array(ts, pa.timestamp("us")), "pred": pred, "inline_label": inline,
                      "grp": grp})
    labels = pa.table({"id": lid, "labeled_at": pa.array(lts, pa.timestamp("us")), "label": lval})
    return preds, labels


def _project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    preds, labels = _data()
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.register("p", preds)
    con.register("l", labels)
    con.execute("CREATE TABLE preds AS SELECT * FROM p")
    con.execute("CREATE TABLE labels AS SELECT * FROM l")
    con.close()
    (root / "telltale.yml").write_text(CONFIG)
    return root


def _raw(root: Path) -> tuple[list, list]:
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    preds = con.execute("SELECT id, ts, pred FROM preds").fetchall()
    labels = con.execute("SELECT id, labeled_at, label FROM labels").fetchall()
    con.close()
    return preds, labels


def _exact(root: Path, at: datetime, start: datetime, end: datetime,
           parity: int | None = None) -> tuple[float, int, int]:
    """(precision, rows, duplicate label rows) over predictions in [start, end), labels as of `at`:
    per prediction the latest label by time among those at or before `at` (a label without
    time always counts, below timed ones; a tie goes to the true label)."""
    preds, labels = _raw(root)
    naive = at.replace(tzinfo=None)
    by_id: dict[int, list] = {}
    for i, t, v in labels:
        if t is None or t <= naive:
            by_id.setdefault(i, []).append((t is not None, t or datetime.min, v))
    y_true, y_pred, dups, rows = [], [], 0, 0
    for i, t, p in preds:
        if not (start.replace(tzinfo=None) <= t < end.replace(tzinfo=None)):
            continue
        if parity is not None and i % 2 != parity:
            continue
        rows += 1
        got = by_id.get(i)
        if not got:
            continue
        dups += len(got) - 1
        y_true.append(max(got)[2])
        y_pred.append(p)
    return float(precision_score(y_true, y_pred)), rows, dups


def _by_monitor(report) -> dict:
    return {r.monitor: r for r in report.results}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return _project(tmp_path / "p")


def test_duplicate_labels_never_multiply_rows_and_are_counted(root: Path) -> None:
    report = run_project(load_project(root), at=T2, now=T2 + timedelta(hours=1))
    res = _by_monitor(report)
    precision, rows, dups = _exact(root, T2, T2 - 7 * DAY, T2)
    assert rows == 350 and dups > 0
    # a plain LEFT JOIN on id would count every duplicate label row as another prediction
    assert res["volume"].value == rows
    assert res["precision"].value == pytest.approx(precision, abs=1e-12)
    assert res["precision"].extra["duplicate_labels"] == dups
    assert f"{dups} duplicate label rows left out" in res["precision"].message
    assert "labeled_at" in res["precision"].message
    assert "duplicate" not in res["volume"].message            # it does not read labels
    assert "duplicate" not in res["inline precision"].message  # labels in the prediction table
    # the label table is deduplicated in the warehouse: every query reading it ranks labels
    label_sql = [q["sql"] for q in report.queries if '"labels"' in q["sql"]]
    assert label_sql and all("ROW_NUMBER() OVER" in s for s in label_sql)


def test_duplicates_are_counted_per_segment(root: Path) -> None:
    cfg = CONFIG.replace("      timestamp: labeled_at\n", "      timestamp: labeled_at\n    segments: [grp]\n")
    cfg = cfg.replace("    predictions: {pred: boolean}\n    actuals: {label: boolean}\n",
                      "    predictions: {pred: boolean}\n    actuals: {label: boolean}\n"
                      "    features: {grp: categorical}\n", 1)
    cfg = cfg.replace("  - {name: precision, model: m, type: performance_degradation, metric: precision, window: 7d,\n",
                      "  - {name: precision, model: m, type: performance_degradation, metric: precision, window: 7d,"
                      " segment: all,\n")
    (root / "telltale.yml").write_text(cfg)
    report = run_project(load_project(root), at=T2, now=T2 + timedelta(hours=1), monitor="precision")
    seen = set()
    for r in report.results:
        parity = None if not r.segment else (0 if r.segment["grp"] == "even" else 1)
        precision, _, dups = _exact(root, T2, T2 - 7 * DAY, T2, parity)
        assert r.value == pytest.approx(precision, abs=1e-12), r.segment
        assert r.extra["duplicate_labels"] == dups and f"{dups} duplicate label rows" in r.message
        seen.add(parity)
    assert seen == {None, 0, 1}


def test_an_earlier_at_gives_that_times_numbers_after_later_runs(root: Path) -> None:
    project = load_project(root)
    first = _by_monitor(run_project(project, at=T1, now=T1 + timedelta(hours=1)))["precision"]
    exact_t1, _, _ = _exact(root, T1, T1 - 7 * DAY, T1)
    assert first.value == pytest.approx(exact_t1, abs=1e-12)
    # labels that arrived later change that window's truth: the test would see a reuse
    later_truth, _, _ = _exact(root, T2, T1 - 7 * DAY, T1)
    assert abs(later_truth - exact_t1) > 1e-3

    second = _by_monitor(run_project(project, at=T2, now=T2 + timedelta(hours=1)))["precision"]
    assert second.value == pytest.approx(_exact(root, T2, T2 - 7 * DAY, T2)[0], abs=1e-12)

    # days up to 03-14 are final now (their labels' deadline passed at T2); rerunning T1 must
    # not reuse them, and must not downgrade them either
    again = _by_monitor(run_project(project, at=T1, now=T2 + timedelta(hours=2)))["precision"]
    assert again.value == pytest.approx(exact_t1, abs=1e-12)
    assert again.value == first.value

    rerun = run_project(project, at=T2, now=T2 + timedelta(hours=3))
    assert _by_monitor(rerun)["precision"].value == pytest.approx(second.value, abs=1e-12)
    label_scans = [q["sql"] for q in rerun.queries if '"labels"' in q["sql"]]
    # only the two days whose label deadline is still ahead are scanned again
    assert label_scans and all("'2026-03-15 00:00:00'" in s or "'2026-03-14 00:00:00'" in s
                               for s in label_scans)
    assert not any("'2026-03-10 00:00:00'" in s for s in label_scans)


def test_rerunning_the_same_at_or_window_replaces_its_history(root: Path) -> None:
    project = load_project(root)
    for _ in range(3):
        run_project(project, at=T1, now=T1 + timedelta(hours=1))
    for hour in (2, 5):   # later in the same day: the same daily window, evaluated again
        run_project(project, at=T1 + timedelta(hours=hour), now=T1 + timedelta(hours=hour))
    con = sqlite3.connect(root / ".telltale" / "state.db")
    counts = con.execute("SELECT monitor, COUNT(*) FROM metric_points GROUP BY monitor").fetchall()
    con.close()
    assert dict(counts) == {"volume": 1, "precision": 1, "inline volume": 1, "inline precision": 1}


def _final_flags(root: Path, model: str, bucket: datetime) -> dict[str, bool]:
    con = sqlite3.connect(root / ".telltale" / "state.db")
    rows = con.execute("SELECT partial_key, final FROM partials WHERE model = ? AND bucket_start LIKE ?",
                       (model, bucket.strftime("%Y-%m-%d %H:%M:%S") + "%")).fetchall()
    con.close()
    return {k: bool(f) for k, f in rows}


BUCKET = datetime(2026, 3, 11, tzinfo=UTC)
DEADLINE = BUCKET + DAY + timedelta(days=2)     # bucket end + late_labels
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(("model", "at", "now", "final"), [
    # labels in the prediction table: final exactly when bucket_end + late_labels <= now
    ("inline", DEADLINE, DEADLINE, True),
    ("inline", DEADLINE, DEADLINE - SECOND, False),
    # labels in a table with a timestamp: read as of --at, so --at must be past the deadline too
    ("m", DEADLINE, DEADLINE, True),
    ("m", DEADLINE, DEADLINE - SECOND, False),
    ("m", DEADLINE - SECOND, DEADLINE + 5 * DAY, False),
])
def test_label_finality_boundaries(tmp_path: Path, model: str, at: datetime, now: datetime,
                                   final: bool) -> None:
    root = _project(tmp_path / "p")
    run_project(load_project(root), at=at, now=now, model=model)
    flags = _final_flags(root, model, BUCKET)
    label_col = "inline_label" if model == "inline" else "label"
    reading = {k: f for k, f in flags.items() if f'"{label_col}"' in k}
    other = {k: f for k, f in flags.items() if f'"{label_col}"' not in k and "__telltale" not in k}
    assert reading and set(reading.values()) == {final}, flags
    assert other and set(other.values()) == {True}   # late_data 0: the rest is final
