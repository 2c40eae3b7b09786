"""The package layers: a package imports only itself and packages on a lower floor.

Every `import` and `from ... import` of every module (including those inside functions and
under TYPE_CHECKING) is read with `ast`; an import of a package on the same or a higher floor
fails the test, naming the module, the line and the rule it breaks.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Where each part of the `telltale` package lives (setuptools' package-dir in pyproject.toml).
SOURCES = {
    "telltale": ROOT / "src" / "telltale",
    "telltale.connectors": ROOT / "connectors",
    "telltale.metric_dsl": ROOT / "metric_dsl",
}

# The layer order, lowest first. A package may import packages of lower floors only; packages
# on one floor are independent of each other. `__init__` is the top-level package itself
# (`telltale.__version__`, `telltale.TelltaleError`). `configbase` holds the config building
# blocks (strict model, durations, detections, baselines) that config classes beside their
# implementations are made of; `config` sits above them and assembles `telltale.yml` from them.
LAYERS: list[tuple[str, ...]] = [
    ("core",),
    ("errors",),
    ("__init__",),
    ("configbase",),
    ("connectors", "stats", "store"),
    ("metric_dsl", "planner"),
    ("alerts", "monitors"),
    ("config",),
    ("runner",),
    ("demo", "api"),
    ("serve",),
    ("cli",),
]

# What the ground floor may import besides the standard library and itself.
CORE_THIRD_PARTY = {"sqlglot", "numpy", "pydantic", "pydantic_core"}


def floor_of(package: str) -> int:
    """The floor of a first-level package of `telltale` (KeyError for an unplaced package)."""
    for floor, names in enumerate(LAYERS):
        if package in names:
            return floor
    raise KeyError(package)


def module_files(sources: dict[str, Path]) -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    out: dict[str, Path] = {}
    for prefix, base in sources.items():
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([prefix, *parts])] = path
    return out


def imports_of(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a module."""
    is_package = path.name == "__init__.py"
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((node.lineno, target))
            if target == "telltale":   # `from telltale import errors` names a package
                out.extend((node.lineno, f"telltale.{a.name}") for a in node.names
                           if a.name.islower() and not a.name.startswith("_"))
    return out


def package_of(module: str) -> str:
    """The first-level package of a `telltale` module (`__init__` for `telltale` itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def violations(sources: dict[str, Path]) -> list[str]:
    """Every import that breaks the layer order, as readable lines."""
    problems: list[str] = []
    for module, path in module_files(sources).items():
        own = package_of(module)
        try:
            own_floor = floor_of(own)
        except KeyError:
            problems.append(f"{path}: package {own!r} is on no floor of LAYERS in {__file__}")
            continue
        for line, target in imports_of(module, path):
            top = target.split(".")[0]
            if own == "core" and top != "telltale":
                if top not in sys.stdlib_module_names and top not in CORE_THIRD_PARTY and top != "__future__":
                    problems.append(f"{path}:{line}: telltale.core imports {target} "
                                    f"(only the standard library and {sorted(CORE_THIRD_PARTY)})")
                continue
            if top != "telltale" or target == "telltale" and own == "__init__":
                continue
            other = package_of(target)
            if other == own:
                continue
            try:
                other_floor = floor_of(other)
            except KeyError:
                problems.append(f"{path}:{line}: imports {target}, whose package is on no floor")
                continue
            if other_floor >= own_floor:
                problems.append(f"{path}:{line}: {own} (floor {own_floor}) imports {target} "
                                f"({other}, floor {other_floor}): only lower floors may be imported")
    return problems


def test_every_package_imports_only_lower_floors() -> None:
    assert violations(SOURCES) == []


def test_every_package_has_a_floor() -> None:
    packages = {package_of(m) for m in module_files(SOURCES)}
    placed = {name for floor in LAYERS for name in floor}
    assert packages <= placed
    assert packages >= placed - {"__init__"}


def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    for name, text in files.items():
        path = tmp_path / "telltale" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return {"telltale": tmp_path / "telltale"}


@pytest.mark.parametrize("source", [
    "from telltale.runner.run import run\n",
    "def f():\n    import telltale.monitors.drift\n",
    "from ..monitors import drift\n",
    "from telltale import runner\n",
])
def test_an_upward_import_fails(tmp_path: Path, source: str) -> None:
    sources = _tree(tmp_path, {"__init__.py": "", "planner/__init__.py": "", "planner/x.py": source})
    found = violations(sources)
    assert len(found) == 1 and "planner (floor 5) imports telltale." in found[0]


def test_a_sideways_import_fails(tmp_path: Path) -> None:
    sources = _tree(tmp_path, {"__init__.py": "", "stats/__init__.py": "",
                               "stats/x.py": "from telltale.store import store\n"})
    assert len(violations(sources)) == 1


def test_the_ground_floor_imports_no_heavy_library(tmp_path: Path) -> None:
    sources = _tree(tmp_path, {"__init__.py": "", "core/__init__.py": "",
                               "core/x.py": "import numpy\nimport scipy.stats\nfrom datetime import date\n"})
    found = violations(sources)
    assert len(found) == 1 and "scipy.stats" in found[0]


def test_a_monitor_importing_the_config_package_fails(tmp_path: Path) -> None:
    """Monitor types declare their config classes from configbase; `config` imports them."""
    sources = _tree(tmp_path, {"__init__.py": "", "monitors/__init__.py": "",
                               "monitors/x.py": "from telltale.config.models import ModelConfig\n"
                                                "from telltale.configbase.values import StrictModel\n",
                               "config/__init__.py": "from telltale.monitors.registry import Monitor\n"})
    found = violations(sources)
    assert len(found) == 1 and "monitors (floor 6) imports telltale.config.models" in found[0]


def test_config_building_blocks_import_only_the_ground_floor(tmp_path: Path) -> None:
    sources = _tree(tmp_path, {"__init__.py": "", "configbase/__init__.py": "",
                               "configbase/x.py": "from telltale.core.timeutil import parse_duration\n"
                                                  "from telltale.store import store\n"})
    found = violations(sources)
    assert len(found) == 1 and "configbase (floor 3) imports telltale.store" in found[0]


def test_a_downward_import_passes(tmp_path: Path) -> None:
    sources = _tree(tmp_path, {"__init__.py": "", "runner/__init__.py": "",
                               "runner/x.py": "from telltale.core.results import MonitorResult\n"
                                              "from ..planner import queries\n"})
    assert violations(sources) == []
