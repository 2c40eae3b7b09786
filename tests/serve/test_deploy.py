"""The systemd unit and the Containerfile name options `telltale serve` has and files the repository has."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

from typer.testing import CliRunner

from telltale.cli.main import app

ROOT = Path(__file__).resolve().parents[2]


def _serve_options() -> set[str]:
    res = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    return set(re.findall(r"--[a-z][a-z-]+", res.stdout))


def test_systemd_unit_runs_serve_with_known_options() -> None:
    unit = (ROOT / "deploy" / "telltale.service").read_text()
    [exec_start] = re.findall(r"^ExecStart=(.+)$", unit, re.M)
    argv = shlex.split(exec_start)
    assert argv[0].endswith("/telltale") and argv[1] == "serve"
    assert {a for a in argv if a.startswith("--")} <= _serve_options()
    assert "KillSignal=SIGTERM" in unit and "EnvironmentFile=" in unit


def test_containerfile_copies_the_package_and_runs_serve() -> None:
    text = (ROOT / "deploy" / "Containerfile").read_text()
    for src in re.findall(r"^COPY (.+) \S+$", text, re.M):
        for name in src.split():
            assert (ROOT / name).exists(), name
    extras = re.findall(r'pip install --no-cache-dir "\.\[([a-z,]+)\]"', text)
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert extras and set(extras[0].split(",")) <= set(declared)
    entry = re.findall(r"^ENTRYPOINT (\[.+\])$", text, re.M)[0]
    import json
    argv = json.loads(entry)
    assert argv[:2] == ["telltale", "serve"] and {a for a in argv if a.startswith("--")} <= _serve_options()
