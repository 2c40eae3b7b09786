"""A rolling baseline absorbs a lasting change; a fixed one keeps reporting it.

A new `channel` value appears at 12% on day 30 and stays. Against a rolling 3-day baseline
the drift alert stops once the baseline holds only days with the new value; against a
fixed reference period before the change it goes on alerting every day.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from loans_project import NEW_CHANNEL_DAY, day_start, write_project
from telltale.cli.main import app
from telltale.core.timeutil import iso

MONITORS = """\
  - {name: rolling, model: loans, type: data_drift, columns: [channel], method: psi}
  - name: fixed
    model: loans
    type: data_drift
    columns: [channel]
    method: psi
    baseline: {fixed: {from: 2026-03-01, to: 2026-03-20}}
"""


def _run(root: Path, day: int) -> dict[str, dict]:
    at = iso(day_start(day + 1))
    res = CliRunner().invoke(app, ["run", "--project", str(root), "--at", at, "--json"])
    assert res.exit_code in (0, 1), res.output
    return {r["monitor"]: r for r in json.loads(res.stdout)["results"]}


def test_rolling_absorbs_a_lasting_change_fixed_does_not(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", MONITORS)
    assert day_start(0).date().isoformat() == "2026-03-01"
    first = _run(root, NEW_CHANNEL_DAY)          # the day the new value appears
    assert first["rolling"]["status"] == "alert" and first["fixed"]["status"] == "alert"
    assert first["fixed"]["baseline"]["start"] == "2026-03-01T00:00:00Z"
    assert first["fixed"]["baseline"]["end"] == "2026-03-21T00:00:00Z"
    later = _run(root, NEW_CHANNEL_DAY + 4)      # the rolling baseline now holds only days 31-33
    assert later["rolling"]["status"] == "ok", later["rolling"]
    assert later["rolling"]["value"] < 0.05
    assert later["fixed"]["status"] == "alert" and later["fixed"]["value"] > 0.2
    assert later["fixed"]["baseline"] == first["fixed"]["baseline"]     # frozen
