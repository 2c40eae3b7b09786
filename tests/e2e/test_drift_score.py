"""`method: score` through DuckDB vs scipy on the raw rows.

Per column: JS distance (base 2) for numeric columns on the baseline's deciles, Hellinger
for categorical ones on the category shares; the model-level score is their
importance-weighted mean. Bounds: Hellinger exact (1e-12, same shares); JS within 0.02 of
scipy's on the exact deciles of the raw rows (the stated bound of docs/statistics.md); the
model score is the weighted mean of the column scores to 1e-12, hence within
w_income/(sum w) x 0.02 of the same mean of scipy's values.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.spatial.distance import euclidean, jensenshannon
from typer.testing import CliRunner

from loans_project import NEW_CHANNEL_DAY, day_start, make_rows, write_project
from telltale.cli.main import app
from telltale.core.timeutil import iso

JS_BOUND = 0.02
MONITORS = """\
  - name: score
    model: loans
    type: data_drift
    columns: [income, channel]
    method: score
    importance: {income: 1, channel: 3}
  - {name: equal, model: loans, type: data_drift, method: score}
"""


def _days(rows: dict, first: int, last: int) -> np.ndarray:
    ts = rows["ts"].astype("datetime64[us]")
    lo = np.datetime64(day_start(first).replace(tzinfo=None))
    hi = np.datetime64(day_start(last + 1).replace(tzinfo=None))
    return (ts >= lo) & (ts < hi)


def test_drift_score_matches_scipy(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", MONITORS)
    day = NEW_CHANNEL_DAY
    res = CliRunner().invoke(app, ["run", "--project", str(root), "--at", iso(day_start(day + 1)), "--json"])
    assert res.exit_code in (0, 1), res.output
    results = json.loads(res.stdout)["results"]
    got = {(r["monitor"], r["column"]): r for r in results}
    rows = make_rows()
    base, focal = _days(rows, day - 3, day - 1), _days(rows, day, day)
    # income: JS distance on the baseline's exact deciles
    edges = np.quantile(rows["income"][base], np.arange(1, 10) / 10)
    cb = np.bincount(np.searchsorted(edges, rows["income"][base]), minlength=10)
    cf = np.bincount(np.searchsorted(edges, rows["income"][focal]), minlength=10)
    js = float(jensenshannon(cb / cb.sum(), cf / cf.sum(), base=2))
    inc = got["score", "income"]
    assert inc["metric"] == "score" and inc["distance"] == "js"
    assert abs(inc["value"] - js) <= JS_BOUND
    # channel: Hellinger distance of the category shares
    cats = sorted(set(rows["channel"][base]) | set(rows["channel"][focal]))
    sb = np.array([np.sum(rows["channel"][base] == c) for c in cats], float)
    sf = np.array([np.sum(rows["channel"][focal] == c) for c in cats], float)
    hel = euclidean(np.sqrt(sb / sb.sum()), np.sqrt(sf / sf.sum())) / np.sqrt(2)
    ch = got["score", "channel"]
    assert ch["distance"] == "hellinger" and abs(ch["value"] - hel) <= 1e-12
    assert ch["status"] == "alert"                # a new value at 12%: Hellinger ~0.25
    # the model: (1 x income + 3 x channel) / 4
    model = got["score", None]
    assert abs(model["value"] - (inc["value"] + 3 * ch["value"]) / 4) <= 1e-12
    assert abs(model["value"] - (js + 3 * hel) / 4) <= JS_BOUND / 4
    assert model["weights"] == {"income": 0.25, "channel": 0.75}
    assert model["status"] == "alert" and model["threshold"] == {"max": 0.1}
    # no importance: every feature weighs the same
    eq = got["equal", None]
    assert abs(eq["value"] - (got["equal", "income"]["value"] + got["equal", "channel"]["value"]) / 2) <= 1e-12
