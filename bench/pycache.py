"""Byte-compile telltale's sources before a benchmark measures `telltale` processes.

A wheel installed by pip has its `.pyc` files compiled at install time. An editable
install run with `PYTHONDONTWRITEBYTECODE=1` (set on the machines these benchmarks run
on) has none, so every `telltale` process would compile about 140 modules from source
(~0.1-0.2 CPU s) and a whole-process time would measure that, not telltale. Python still
reads `.pyc` files under that setting; `compileall` writes them regardless of it.
"""

from __future__ import annotations

import compileall


def precompile() -> None:
    """Write the `__pycache__` files of telltale's packages (a no-op when they are current)."""
    import telltale
    import telltale.connectors
    import telltale.metric_dsl

    for pkg in (telltale, telltale.connectors, telltale.metric_dsl):
        for folder in pkg.__path__:
            compileall.compile_dir(folder, quiet=1)
