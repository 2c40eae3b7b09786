"""The built wheel ships telltale, telltale.connectors and telltale.metric_dsl (with the stdlib)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_subpackages_and_imports(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("telltale-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "telltale/connectors/duckdb.py" in names
    assert "telltale/metric_dsl/grammar.lark" in names
    assert any(n.startswith("telltale/metric_dsl/stdlib/") and n.endswith(".metric") for n in names)
    # unpack into a bare folder and import from there, not from the source tree
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = ("import telltale.connectors, telltale.metric_dsl, telltale.cli.main as m;"
            "assert telltale.connectors.__file__.startswith(%r);"
            "from telltale.metric_dsl import stdlib_library; assert stdlib_library().is_builtin('f1');"
            "print('ok')" % str(target))
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-S", "-c", "import sys; sys.path[:0]=[%r] + %r; " % (str(target), [p for p in sys.path if "site-packages" in p]) + code],
                         capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
