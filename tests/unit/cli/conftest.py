"""Fixtures of the command-line tests: a small DuckDB project, and a runner that checks
no traceback leaks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cli_project import CONFIG, METRICS, write_warehouse
from typer.testing import CliRunner, Result

from telltale.cli.main import app


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """Write the project (optionally with another config, metric files or time column type)."""

    def _make(config: str = CONFIG, metrics: dict[str, str | bytes] | None = None,
              ts_type: str = "TIMESTAMP", name: str = "proj") -> Path:
        root = tmp_path / name
        (root / "metrics").mkdir(parents=True)
        write_warehouse(root / "wh.duckdb", ts_type=ts_type)
        (root / "telltale.yml").write_text(config, encoding="utf-8")
        for fname, body in (metrics or {"m.metric": METRICS}).items():
            target = root / "metrics" / fname
            if isinstance(body, bytes):
                target.write_bytes(body)
            else:
                target.write_text(body, encoding="utf-8")
        return root

    return _make


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Invoke the CLI; assert that no traceback reached the output and the exit code is 0-3."""

    def _invoke(*args: str, code: int | None = None) -> Result:
        res = CliRunner().invoke(app, list(args))
        text = res.output                      # stdout and stderr together
        assert "Traceback" not in text, text
        assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
        if code is not None:
            assert res.exit_code == code, text
        return res

    return _invoke
