"""Conformance targets: every `target_<type>.py` here defines a fixture `target_<type>`.

The fixtures are collected from those files, so a connector adds its target without
editing a shared list; the suite asks for each of the eight connection types by name and
fails (never skips) when a type has no target.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from conformance.framework import Target, duckdb_target

for _path in sorted(Path(__file__).parent.glob("target_*.py")):
    _module = importlib.import_module(f"conformance.{_path.stem}")
    globals().update({k: v for k, v in vars(_module).items() if k.startswith("target_")})


@pytest.fixture(scope="session")
def conformance_reference(tmp_path_factory: pytest.TempPathFactory, peer_dataset) -> Path:
    """The DuckDB reference project, run once: its results and stored grids."""
    from conformance import framework

    root = tmp_path_factory.mktemp("reference")
    framework.write_project(root, duckdb_target(root / "data", peer_dataset))
    report = framework.run(root)
    assert report.results, "the reference run returned no results"
    (root / "results.json").write_text(__import__("json").dumps(
        {"|".join(k): v for k, v in framework.results_by_key(report).items()}, default=str))
    return root


@pytest.fixture
def target_duckdb(tmp_path: Path, peer_dataset) -> Target:
    """DuckDB itself, from a second database file (the suite's self-check)."""
    return duckdb_target(tmp_path / "data", peer_dataset)
