"""Backfill: one stored run per bucket, all through one connector session (each connection
opened once, not once per bucket)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import telltale.connectors
from telltale.runner.backfill import backfill

from _runner_project import AT, make_project


def test_backfill_opens_each_connection_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path)
    real = telltale.connectors.open_connector
    opened: list[str | None] = []

    def counting(*args: Any, **kwargs: Any) -> Any:   # the real connector, counted
        if kwargs.get("name") is not None:   # a run's connection (it opens the bare connector inside)
            opened.append(kwargs["name"])
        return real(*args, **kwargs)

    monkeypatch.setattr(telltale.connectors, "open_connector", counting)
    reports = backfill(project, AT - timedelta(days=3), AT - timedelta(days=1), now=AT + timedelta(days=1))
    assert len(reports) == 3 and opened == ["wh"]
    assert [r.at for r in reports] == [AT - timedelta(days=2), AT - timedelta(days=1), AT]
    for r in reports:
        assert {x.status for x in r.results} <= {"ok", "alert", "no_data"} and len(r.results) == 6
