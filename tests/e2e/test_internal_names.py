"""User columns named like the columns telltale's queries add (`k0`, `p0`, `kh`, `__n`).

A segment column is returned beside the planner's own columns (the set, the bucket, the
histogram keys, the scalar partials), so a segment named `k0` once made DuckDB fail with
"Cannot compare values of type VARCHAR and type INTEGER_LITERAL" and every monitor of the
model reported `error`. The planner's columns now start with `__`, and a segment column
starting with `__` is refused at its line in telltale.yml.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
from typer.testing import CliRunner

import telltale
from telltale.cli.main import app

ROWS = 6000
AT = "2026-03-05T00:00:00Z"
CONFIG = """\
version: 1
connections:
  wh: {{type: duckdb, database: wh.duckdb}}
models:
  m:
    type: binary
    connection: wh
    source: {{table: preds}}
    id: id
    timestamp: ts
    features: {{x: numeric, "__n": categorical, k0: categorical, p0: categorical}}
    predictions: {{kh: categorical}}
    segments: [{segments}]
    granularity: day
    baseline: {{window: {{last: 3d, skip: 0d}}}}
monitors:
  - {{name: drift, model: m, type: data_drift, columns: [x], method: psi, segment: all}}
  - {{name: volume, model: m, type: model_activity, segment: all, detection: {{absolute: {{min: 0}}}}}}
  - {{name: new, model: m, type: new_values, columns: [__n]}}
"""


def _project(tmp_path: Path, segments: str) -> Path:
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute(f"""CREATE TABLE preds AS SELECT i AS id,
        TIMESTAMP '2026-03-01' + INTERVAL (i * 60) SECOND AS ts, (i % 7)::DOUBLE AS x,
        CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END AS k0, CASE WHEN i % 3 = 0 THEN 'u' ELSE 'v' END AS kh,
        (i % 4)::VARCHAR AS p0, (i % 5)::VARCHAR AS "__n" FROM range({ROWS}) t(i)""")
    con.close()
    (tmp_path / "telltale.yml").write_text(CONFIG.format(segments=segments))
    return tmp_path


def test_segments_named_like_the_planners_columns_are_read_as_columns(tmp_path: Path) -> None:
    root = _project(tmp_path, "k0, kh, p0")
    report = telltale.load(root).run(at=AT)
    assert [r for r in report.results if r.status == "error"] == []
    # the day before AT, per segment value: the row counts of the raw rows
    minutes = np.arange(ROWS)
    day = (minutes >= 3 * 1440) & (minutes < 4 * 1440)
    want = {"": int(day.sum())}
    for name, values in (("k0", np.where(minutes % 2 == 0, "a", "b")), ("kh", np.where(minutes % 3 == 0, "u", "v")),
                         ("p0", (minutes % 4).astype(str))):
        for v in np.unique(values):
            want[f"{name}={v}"] = int((day & (values == v)).sum())
    got = {r.segment_key: r.value for r in report.results if r.monitor == "volume"}
    assert got == want
    drift = [r for r in report.results if r.monitor == "drift"]
    # x = minute % 7 has the same shares (to 1/1440) on every day: a PSI near 0 in every segment
    assert len(drift) == len(want) and all(0 <= r.value < 0.01 and r.status == "ok" for r in drift)


def test_a_segment_column_starting_with_two_underscores_is_refused_at_its_line(tmp_path: Path) -> None:
    root = _project(tmp_path, "k0, __n")
    res = CliRunner().invoke(app, ["run", "--project", str(root), "--at", AT])
    assert res.exit_code == 2
    assert "telltale.yml:13" in res.output and "segment '__n' reads column '__n'" in res.output
    assert "reserved" in res.output and not (root / ".telltale").exists()
