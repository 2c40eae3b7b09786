"""One conformance suite: the same monitors on every connector give DuckDB's numbers and statuses.

Each of the eight connection types runs `framework.monitors()` over the shared dataset
(integer, decimal, float, boolean, string, date, timestamp and timestamptz columns, with
NULLs) with the reference's bin edges pinned, and every result must equal the DuckDB
reference: same results, same statuses, values and thresholds within
`framework.REL_TOL` (1e-9 relative). A type without a target fails, naming the file to
add; each target states its peer's blind spot (`Target.blind_spot`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance import framework
from telltale.config.connections import CONNECTION_TYPES


def _reference(root: Path) -> dict:
    raw = json.loads((root / "results.json").read_text())
    return {tuple(k.split("|")): v for k, v in raw.items()}


@pytest.mark.parametrize("type_", CONNECTION_TYPES)
def test_same_numbers_and_statuses_as_duckdb(type_: str, request: pytest.FixtureRequest,
                                             conformance_reference: Path, tmp_path: Path) -> None:
    try:
        target: framework.Target = request.getfixturevalue(f"target_{type_}")
    except pytest.FixtureLookupError:
        pytest.fail(f"no conformance target for '{type_}': add tests/conformance/target_{type_}.py "
                    f"defining a fixture target_{type_} (see tests/conformance/framework.py)")
    assert target.blind_spot, "a target states what its peer cannot check"
    root = framework.write_project(tmp_path / "project", target)
    assert framework.pin_grids(conformance_reference, root) > 0
    report = framework.run(root)
    want = _reference(conformance_reference)
    got = framework.results_by_key(report)
    errors = [r for r in report.results if r.status == "error"]
    assert not errors, f"{type_}: {errors[0].monitor}: {errors[0].error or errors[0].message}"
    status_only = frozenset(d.split(":")[0] for d in target.known_differences)
    assert framework.differences(got, want, status_only) == []


def test_the_reference_exercises_every_monitor_and_status(conformance_reference: Path) -> None:
    """The suite would catch a wrong number: the reference has values, alerts and oks."""
    want = _reference(conformance_reference)
    statuses = {v["status"] for v in want.values()}
    assert {"ok", "alert"} <= statuses
    assert {k[0] for k in want} >= {m["name"] for m in framework.monitors()}
    assert sum(isinstance(v.get("value"), float) for v in want.values()) > 100
