"""The Python API: load a project, run it, read results, history and alerts (docs/python.md).

    import telltale
    project = telltale.load("path/to/project")
    report = project.run(at="2026-03-13T00:00:00Z")
    project.history(monitor="feature drift")      # a pandas DataFrame
"""

from __future__ import annotations

from telltale.api.project import ApiProject, Report, load
from telltale.api.select import run_monitors

__all__ = ["ApiProject", "Report", "load", "run_monitors"]
