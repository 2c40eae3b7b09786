"""new_values on a wide categorical column (500 Zipf categories, more than `top_values`), on
DuckDB end to end: the share is exact against the raw rows, a new category in 0.1 % of the
rows alerts, above `max_values` the result is an explicit bound, per segment the shares are
exact and a segment with no baseline is `no_data`, and daily runs merging stored summaries
give the numbers of a full recompute."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from telltale.config.project import load_project
from telltale.runner.run import run_project

UTC = timezone.utc
AT = datetime(2026, 3, 13, tzinfo=UTC)       # focal day 2026-03-12, baseline the 7 days before
START = datetime(2026, 3, 1)
DAYS, PER_DAY, CATEGORIES = 12, 5000, 500
NEW_ROWS = 5                                 # 0.1 % of the focal day's rows

CONFIG = """\
version: 1
connections:
  wh: {type: duckdb, database: wh.duckdb}
models:
  m:
    type: regression
    connection: wh
    source: {table: t}
    timestamp: ts
    features: {merchant: categorical, region: categorical}
    predictions: {yhat: numeric}
    segments: [region]
    baseline: {window: {last: 7d}}
monitors:
  - {name: new merchants, model: m, type: new_values, columns: [merchant], window: 1d}
  - {name: new merchants capped, model: m, type: new_values, columns: [merchant], window: 1d, max_values: 50}
  - {name: new merchants by region, model: m, type: new_values, columns: [merchant], window: 1d, segment: all}
"""


def _rows() -> pa.Table:
    rng = np.random.default_rng(17)
    n = DAYS * PER_DAY
    ts = [START + timedelta(days=i // PER_DAY, seconds=int(s))
          for i, s in enumerate(rng.integers(0, 86400, n))]
    p = 1.0 / np.arange(1, CATEGORIES + 1) ** 1.1
    merchant = np.array([f"m{i}" for i in rng.choice(CATEGORIES, n, p=p / p.sum())], dtype=object)
    merchant[rng.random(n) < 0.03] = None
    focal = np.flatnonzero([t.day == 12 for t in ts])
    merchant[rng.choice(focal, NEW_ROWS, replace=False)] = "NEW"
    region = rng.choice(["eu", "us"], n).astype(object)
    region[focal[:40]] = "apac"               # a segment seen only in the focal day
    return pa.table({"ts": pa.array(ts, pa.timestamp("us")), "merchant": merchant.tolist(),
                     "region": region.tolist(), "yhat": rng.normal(size=n)})


@pytest.fixture(scope="module")
def rows() -> pa.Table:
    return _rows()


def _project(root: Path, rows: pa.Table) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(root / "wh.duckdb"))
    con.register("t_arrow", rows)
    con.execute("CREATE TABLE t AS SELECT * FROM t_arrow")
    con.close()
    (root / "telltale.yml").write_text(CONFIG)
    return root


def _truth(rows: pa.Table, region: str | None = None) -> float:
    """numpy's share of the focal day's non-null merchants absent from the 7 baseline days."""
    d = rows.to_pydict()
    day = np.array([t.day for t in d["ts"]])
    m = np.array([v if v is not None else "" for v in d["merchant"]], dtype=object)
    ok = np.array([v is not None for v in d["merchant"]])
    if region is not None:
        ok &= np.array(d["region"], dtype=object) == region
    known = np.unique(m[ok & (day >= 5) & (day <= 11)].astype(str))
    focal = m[ok & (day == 12)].astype(str)
    return float(np.mean(~np.isin(focal, known)))


def _by(report, monitor: str) -> dict[str, dict]:
    return {str(j.get("segment")): j for j in (r.as_json() for r in report.results) if j["monitor"] == monitor}


@pytest.fixture(scope="module")
def full(tmp_path_factory, rows: pa.Table):
    root = _project(tmp_path_factory.mktemp("nv_full"), rows)
    return run_project(load_project(root), at=AT, now=AT + timedelta(hours=1), alerts=False)


def test_exact_share_of_a_new_category_at_a_tenth_of_a_percent(full, rows: pa.Table) -> None:
    (r,) = _by(full, "new merchants").values()
    truth = _truth(rows)
    assert truth >= NEW_ROWS / PER_DAY                    # NEW, plus rare merchants unseen for 7 days
    assert r["value"] == pytest.approx(truth, abs=1e-12)
    assert r["status"] == "alert" and "NEW" in r["new_values"]
    assert "exact" not in r and "bound" not in r["message"]


def test_above_max_values_the_share_is_an_explicit_bound(full, rows: pa.Table) -> None:
    (r,) = _by(full, "new merchants capped").values()
    truth = _truth(rows)
    extra = r   # the monitor's extra keys are fields of the result's JSON
    assert extra["exact"] is False
    assert extra["lower_bound"] <= truth + 1e-12 <= extra["upper_bound"] + 2e-12
    assert r["value"] == extra["lower_bound"] == 0.0      # a cut baseline calls nothing new
    msg = r["message"]
    assert "merchant has more than max_values (50)" in msg and "raise max_values on monitor" in msg
    assert "'new merchants capped'" in msg


def test_per_segment_exact_and_a_segment_without_baseline_is_no_data(full, rows: pa.Table) -> None:
    by = _by(full, "new merchants by region")
    for region in ("eu", "us"):
        r = next(j for seg, j in by.items() if region in seg)
        assert r["value"] == pytest.approx(_truth(rows, region), abs=1e-12)
        # each has rare merchants unseen in its baseline, or 2-3 rows of NEW: an alert only
        # when they are more than a 7-day baseline of its long tail misses by chance
        assert r["new_values"] and r["status"] == ("alert" if r["p_value"] <= 0.001 else "ok")
        if r["status"] == "ok":
            assert "missed by chance" in r["message"]
    apac = next(j for seg, j in by.items() if "apac" in seg)
    assert apac["status"] == "no_data" and apac["value"] is None
    assert "has no baseline" in apac["message"]


def test_daily_runs_merging_stored_summaries_equal_a_full_recompute(tmp_path: Path, full, rows: pa.Table) -> None:
    root = _project(tmp_path / "daily", rows)
    for days_before in (2, 1):
        at = AT - timedelta(days=days_before)
        run_project(load_project(root), at=at, now=at + timedelta(hours=1), alerts=False)
    last = run_project(load_project(root), at=AT, now=AT + timedelta(hours=1), alerts=False)
    # the last daily run scans only the new day; the baseline's value counts come from the store
    scans = [q["sql"] for q in last.queries if q["kind"] == "distribution"]
    assert scans and all("2026-03-12" in s and "2026-03-05" not in s for s in scans)
    for monitor in ("new merchants", "new merchants capped", "new merchants by region"):
        got, want = _by(last, monitor), _by(full, monitor)
        assert got.keys() == want.keys()
        for seg in want:
            assert got[seg] == want[seg]


def test_a_bad_max_values_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from telltale.cli.main import app

    (tmp_path / "telltale.yml").write_text(CONFIG.replace("max_values: 50", "max_values: 0"))
    res = CliRunner().invoke(app, ["run", "--project", str(tmp_path), "--at", "2026-03-13T00:00:00Z"])
    assert res.exit_code == 2
    assert "telltale.yml:16:107: monitors[1].max_values: must be at least 1" in res.output
    assert "Traceback" not in res.output
