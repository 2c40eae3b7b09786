"""`telltale init` and `telltale demo`: commands that write a new project folder (never into
a folder that holds files). The helpers of `cli.main` are imported inside the commands, as
in `cli.alerts_cmd`: `python -m telltale.cli.main` runs main as `__main__`, which registers
these commands while importing this module."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def _folder(directory: Optional[Path], project: Optional[Path], command: str) -> Optional[Path]:
    """The new folder of init/demo, written as the argument or as --project (not two different ones)."""
    from telltale.cli.main import _error_line

    if directory is not None and project is not None and directory.resolve() != project.resolve():
        _error_line(f"{directory} and --project {project}: give the folder once, e.g. "
                    f"`telltale {command} {directory}`", 2)
    return directory if directory is not None else project


NewProjectOpt = typer.Option(None, "--project", "-p", help="The new folder (same as the DIR argument).")


def init(directory: Optional[Path] = typer.Argument(None, help="A new or empty folder for the starter project."),
         project: Optional[Path] = NewProjectOpt) -> None:
    """Write a starter telltale.yml and metric file into a new or empty folder."""
    from telltale.cli.main import _error_line, _errors, _out
    from telltale.config.starter import write_starter

    folder = _folder(directory, project, "init")
    if folder is None:
        _error_line("name the new folder: telltale init DIR (or --project DIR)", 2)
    with _errors():
        written = write_starter(folder)
    from rich.text import Text

    out = _out()
    for p in written:
        out.print(Text(f"wrote {p}"), soft_wrap=True)


def demo(directory: Optional[Path] = typer.Argument(
             None, help="A new or empty folder for the demo project (default: telltale-demo, or "
                        "telltale-demo-2, -3, ... when that one is taken)."),
         as_json: bool = typer.Option(False, "--json", help="Print the run as JSON."),
         project: Optional[Path] = NewProjectOpt) -> None:
    """Build a demo project on an embedded DuckDB warehouse, run every monitor, show what fired."""
    from telltale.cli.main import _errors, _out, _show
    from telltale.demo.project import default_demo_folder, run_demo

    directory = _folder(directory, project, "demo")
    with _errors():
        directory = directory if directory is not None else default_demo_folder(Path.cwd())
        report, at = run_demo(directory, console=None if as_json else _out())
    _show(report, as_json)
    if not as_json:
        from rich.text import Text

        _out().print(Text(f"\nThe project is in {directory}/: edit telltale.yml and run "
                          f"`telltale run --project {directory} --at {at:%Y-%m-%dT%H:%M:%SZ}`"), soft_wrap=True)
    raise typer.Exit(0 if report.exit_code in (0, 1) else report.exit_code)
