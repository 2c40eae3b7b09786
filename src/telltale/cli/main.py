"""The `telltale` command line."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from telltale.errors import TelltaleError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Watch ML models where their predictions live: checks pushed down into the warehouse.")
alerts_app = typer.Typer(no_args_is_help=True, help="Alert channels.")
app.add_typer(alerts_app, name="alerts")
err = Console(stderr=True)
out = Console()

ProjectOpt = typer.Option(Path("."), "--project", "-p", help="The project folder (with telltale.yml).")


def _fail(exc: TelltaleError) -> None:
    err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(getattr(exc, "exit_code", 2))


def _load(project: Path):
    from telltale.config import load_project

    return load_project(project)


def _show(report, as_json: bool) -> None:
    """One JSON object for machines, or the results table for people."""
    from telltale.cli.render import print_report

    if as_json:
        sys.stdout.write(json.dumps(report.as_json(), indent=2, default=str) + "\n")
    else:
        print_report(report, out)


def _at(text: Optional[str]) -> datetime:
    from telltale.timeutil import parse_time

    if text is None:
        return datetime.now(timezone.utc)
    try:
        return parse_time(text)
    except ValueError as exc:
        err.print(f"[bold red]error:[/] --at: {exc}")
        raise typer.Exit(2)


@app.command()
def run(project: Path = ProjectOpt,
        model: Optional[str] = typer.Option(None, "--model", help="Only this model's monitors."),
        monitor: Optional[str] = typer.Option(None, "--monitor", help="Only this monitor."),
        at: Optional[str] = typer.Option(None, "--at", help="Evaluate the last complete window before this UTC time."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object for machines."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Evaluate but store nothing and send nothing.")) -> None:
    """Evaluate the monitors for the last complete window at TIME (default now)."""
    from telltale.runner.run import run_project

    when = _at(at)
    try:
        report = run_project(_load(project), at=when, model=model, monitor=monitor, dry_run=dry_run)
    except TelltaleError as exc:
        _fail(exc)
        return
    _show(report, as_json)
    raise typer.Exit(report.exit_code)


@app.command()
def validate(project: Path = ProjectOpt,
             warehouse: bool = typer.Option(True, "--warehouse/--no-warehouse",
                                            help="Also check every mapped column in the warehouse.")) -> None:
    """Check config and DSL, and that every mapped column exists in the warehouse."""
    from telltale.runner.validate import validate_project

    try:
        proj = _load(project)
        notes = validate_project(proj, warehouse=warehouse)
    except TelltaleError as exc:
        _fail(exc)
        return
    for note in notes:
        out.print(note)
    out.print(f"[green]ok[/]: {proj.config_path} is valid")


@app.command(name="compile")
def compile_(project: Path = ProjectOpt,
             model: Optional[str] = typer.Option(None, "--model", help="Only this model."),
             dialect: Optional[str] = typer.Option(None, "--dialect", help="Render for this SQL dialect."),
             at: Optional[str] = typer.Option(None, "--at", help="Plan the windows as of this time."),
             full: bool = typer.Option(False, "--full", help="The first run's plan, as on a fresh store.")) -> None:
    """Print exactly the SQL the next run would push down (--full: as on a fresh store)."""
    from telltale.runner.compile import compile_project

    try:
        for name, queries in compile_project(_load(project), model=model, dialect=dialect, at=_at(at),
                                             full=full):
            print(f"-- model {name}")
            for kind, sql in queries:
                print(f"-- {kind}\n{sql};\n")
    except TelltaleError as exc:
        _fail(exc)


@app.command()
def backfill(project: Path = ProjectOpt,
             start: str = typer.Option(..., "--from", help="First bucket to evaluate (UTC date or time)."),
             end: str = typer.Option(..., "--to", help="Last bucket to evaluate (UTC date or time)."),
             model: Optional[str] = typer.Option(None, "--model", help="Only this model's monitors."),
             monitor: Optional[str] = typer.Option(None, "--monitor", help="Only this monitor.")) -> None:
    """Fill metric history: evaluate every bucket from --from to --to (no alerts are sent)."""
    from rich.progress import Progress

    from telltale.runner.backfill import backfill as run_backfill
    from telltale.runner.backfill import backfill_times

    first, last = _at(start), _at(end)
    try:
        proj = _load(project)
        total = len(backfill_times(proj, first, last, model, monitor))
        with Progress(console=err, transient=False) as bar:
            task = bar.add_task("backfilling", total=total)
            reports = run_backfill(proj, first, last, model=model, monitor=monitor,
                                   progress=lambda at: bar.update(task, advance=1, description=f"{at:%Y-%m-%d %H:%M}"))
    except TelltaleError as exc:
        _fail(exc)
        return
    results = [r for rep in reports for r in rep.results]
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    out.print(f"{len(reports)} bucket(s) evaluated, {len(results)} results stored: "
              + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"))
    raise typer.Exit(3 if counts.get("error") else 0)


@app.command()
def init(directory: Path = typer.Argument(..., help="Folder to create the starter project in.")) -> None:
    """Write a starter telltale.yml and metric file."""
    from telltale.config.starter import write_starter

    try:
        for p in write_starter(directory):
            out.print(f"wrote {p}")
    except TelltaleError as exc:
        _fail(exc)


@app.command()
def demo(directory: Path = typer.Argument(Path("telltale-demo"), help="Folder for the demo project."),
         as_json: bool = typer.Option(False, "--json", help="Print the run as JSON.")) -> None:
    """Build a demo project on an embedded DuckDB warehouse, run every monitor, show what fired."""
    from telltale.demo.project import run_demo

    try:
        report, at = run_demo(directory, console=None if as_json else out)
    except TelltaleError as exc:
        _fail(exc)
        return
    _show(report, as_json)
    if not as_json:
        out.print(f"\nThe project is in {directory}/: edit telltale.yml and run "
                  f"`telltale run --project {directory} --at {at:%Y-%m-%dT%H:%M:%SZ}`")
    raise typer.Exit(0 if report.exit_code in (0, 1) else report.exit_code)


@alerts_app.command("test")
def alerts_test(channel: str = typer.Argument(..., help="A channel name from `alerts:`."),
                project: Path = ProjectOpt) -> None:
    """Send a test alert to a channel."""
    from telltale.alerts.channels import build_channel
    from telltale.alerts.testalert import send_test_alert

    try:
        proj = _load(project)
        if channel not in proj.config.alerts:
            err.print(f"[bold red]error:[/] no channel named '{channel}'; channels: "
                      f"{', '.join(proj.config.alerts) or 'none'}")
            raise typer.Exit(2)
        send_test_alert(build_channel(channel, proj.config.alerts[channel].model_dump(exclude_none=True)))
    except TelltaleError as exc:
        _fail(exc)
        return
    out.print(f"[green]sent[/] a test alert to {channel}")


def main() -> None:
    """Entry point of the `telltale` script."""
    app()


if __name__ == "__main__":
    main()
