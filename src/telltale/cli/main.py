"""The `telltale` command line."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, List, NoReturn, Optional

import typer

from telltale.errors import TelltaleError

if TYPE_CHECKING:        # rich (0.05 s) is imported when something is printed for people
    from rich.console import Console

    from telltale.config.project import Project
    from telltale.runner.run import RunReport

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Watch ML models where their predictions live: checks pushed down into the warehouse.")

ProjectOpt = typer.Option(Path("."), "--project", "-p", help="The project folder (with telltale.yml).")
_STATE: dict[str, Any] = {"store": None}       # the store URL of the loaded project, for errors


def _out() -> Console:
    """The console for results (wide and unwrapped when stdout is not a terminal)."""
    from telltale.cli.render import make_console

    return make_console()


def _err() -> Console:
    """The console for errors and progress (stderr)."""
    from telltale.cli.render import make_console

    return make_console(stderr=True)


def _error_line(message: str, code: int) -> NoReturn:
    """Print `error: MESSAGE` (the message is shown as written, never read as markup) and exit."""
    from rich.text import Text

    _err().print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True, highlight=False)
    raise typer.Exit(code)


def _fail(exc: TelltaleError) -> NoReturn:
    _error_line(str(exc), getattr(exc, "exit_code", 2))


def _store_failure(exc: Exception) -> NoReturn:
    """A state-store failure (read-only file, lost database): exit 3 naming the store."""
    url = _STATE.get("store") or "(the state store)"
    with suppress(Exception):  # the URL is only shown; an unparsable one is shown as written
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        if parsed.password:
            url = parsed.render_as_string(hide_password=True)
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    _error_line(f"the state store {url} failed: {reason}; check that it exists and is writable "
                "(`store:` in telltale.yml)", 3)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn every expected failure of a command into one `error:` line and its exit code."""
    try:
        yield
    except TelltaleError as exc:
        _fail(exc)
    except Exception as exc:
        if type(exc).__module__.startswith("sqlalchemy"):
            _store_failure(exc)
        raise


def _load(project: Path) -> Project:
    from telltale.config import load_project

    proj = load_project(project)
    _STATE["store"] = proj.store_url
    return proj


def _show(report: RunReport, as_json: bool) -> None:
    """One strict JSON object for machines, or the results table for people."""
    if as_json:
        from telltale.cli.jsonout import strict_json

        sys.stdout.write(json.dumps(strict_json(report), indent=2, default=str, allow_nan=False) + "\n")
    else:
        from telltale.cli.render import print_report

        print_report(report, _out())


def _at(text: Optional[str], option: str = "--at") -> datetime:
    from telltale.core.timeutil import parse_time

    if text is None:
        return datetime.now(timezone.utc)
    try:
        return parse_time(text)
    except ValueError as exc:
        _error_line(f"{option}: {exc}", 2)


@app.command()
def run(project: Path = ProjectOpt,
        model: Optional[str] = typer.Option(None, "--model", help="Only this model's monitors."),
        monitor: Optional[List[str]] = typer.Option(None, "--monitor",
                                                    help="Only this monitor (repeat for several)."),
        at: Optional[str] = typer.Option(None, "--at", help="Evaluate the last complete window before this UTC time."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object for machines."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Evaluate but store nothing and send nothing.")) -> None:
    """Evaluate the monitors for the last complete window at TIME (default now)."""
    from telltale.runner.run import run_project

    when = _at(at)
    with _errors():
        report = run_project(_load(project), at=when, model=model, monitor=monitor or None, dry_run=dry_run)
    _show(report, as_json)
    raise typer.Exit(report.exit_code)


@app.command()
def validate(project: Path = ProjectOpt,
             warehouse: bool = typer.Option(True, "--warehouse/--no-warehouse",
                                            help="Also check every mapped column in the warehouse.")) -> None:
    """Check config and DSL, and that every mapped column exists in the warehouse (every problem at once)."""
    from telltale.runner.validate import validate_folder

    with _errors():
        proj, notes = validate_folder(project, warehouse=warehouse)
    from rich.text import Text

    out = _out()
    for note in notes:
        out.print(Text(note), soft_wrap=True)
    out.print(Text.assemble(("ok", "green"), f": {proj.config_path} is valid"), soft_wrap=True)


@app.command(name="compile")
def compile_(project: Path = ProjectOpt,
             model: Optional[str] = typer.Option(None, "--model", help="Only this model."),
             dialect: Optional[str] = typer.Option(None, "--dialect", help="Render for this SQL dialect."),
             at: Optional[str] = typer.Option(None, "--at", help="Plan the windows as of this time."),
             full: bool = typer.Option(False, "--full", help="The first run's plan, as on a fresh store.")) -> None:
    """Print exactly the SQL the next run would push down (--full: as on a fresh store)."""
    from telltale.connectors import DIALECT_MODULES
    from telltale.runner.compile import compile_project

    if dialect is not None and dialect not in DIALECT_MODULES:
        _error_line(f"--dialect: unknown dialect '{dialect}'; use one of {', '.join(DIALECT_MODULES)}", 2)
    when = _at(at)
    with _errors():
        for name, queries in compile_project(_load(project), model=model, dialect=dialect, at=when,
                                             full=full):
            print(f"-- model {name}")
            for kind, sql in queries:
                print(f"-- {kind}\n{sql};\n")


@app.command()
def backfill(project: Path = ProjectOpt,
             start: str = typer.Option(..., "--from", help="First bucket to evaluate (UTC date or time)."),
             end: str = typer.Option(..., "--to", help="Last bucket to evaluate (UTC date or time)."),
             model: Optional[str] = typer.Option(None, "--model", help="Only this model's monitors."),
             monitor: Optional[List[str]] = typer.Option(None, "--monitor",
                                                         help="Only this monitor (repeat for several).")) -> None:
    """Fill metric history: evaluate every bucket from --from to --to (no alerts are sent)."""
    from rich.progress import Progress

    from telltale.runner.backfill import backfill as run_backfill
    from telltale.runner.backfill import backfill_times

    first, last = _at(start, "--from"), _at(end, "--to")
    with _errors():
        proj = _load(project)
        monitor = monitor or None
        total = len(backfill_times(proj, first, last, model, monitor))
        with Progress(console=_err(), transient=False) as bar:
            task = bar.add_task("backfilling", total=total)
            reports = run_backfill(proj, first, last, model=model, monitor=monitor,
                                   progress=lambda at: bar.update(task, advance=1, description=f"{at:%Y-%m-%d %H:%M}"))
    results = [r for rep in reports for r in rep.results]
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    _out().print(f"{len(reports)} bucket(s) evaluated, {len(results)} results stored: "
                 + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"), soft_wrap=True)
    raise typer.Exit(3 if counts.get("error") else 0)


@app.command()
def history(project: Path = ProjectOpt,
            model: Optional[str] = typer.Option(None, "--model", help="Only this model's series."),
            monitor: Optional[List[str]] = typer.Option(None, "--monitor",
                                                        help="Only this monitor's series (repeat for several)."),
            column: Optional[str] = typer.Option(None, "--column", help="Only this column's series."),
            since: Optional[str] = typer.Option(None, "--since", help="Only points evaluated at or after this UTC time."),
            as_json: bool = typer.Option(False, "--json", help="Print a JSON list of points."),
            as_csv: bool = typer.Option(False, "--csv", help="Print the points as CSV.")) -> None:
    """Each monitor's stored values over time, with thresholds and statuses."""
    from telltale.api.project import ApiProject
    from telltale.cli.history import show_history

    if as_json and as_csv:
        _error_line("--json and --csv: choose one", 2)
    first = _at(since, "--since") if since is not None else None
    with _errors():
        rows = ApiProject(_load(project)).history_rows(model=model, monitor=monitor or None, since=first,
                                                       column=column)
    show_history(rows, "json" if as_json else "csv" if as_csv else "table", _out())


@app.command()
def serve(project: Path = ProjectOpt,
          host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (off loopback a token is required)."),
          port: int = typer.Option(8765, "--port", min=1, max=65535, help="Port to listen on."),
          token: Optional[str] = typer.Option(None, "--token", envvar="TELLTALE_TOKEN", show_envvar=True,
                                              help="Require Authorization: Bearer TOKEN on every route but /healthz."),
          log_format: str = typer.Option("text", "--log-format", help="text, or json (one object per line)."),
          interval: float = typer.Option(30.0, "--interval", min=0.1, max=86400.0,
                                         help="Seconds between two scheduler ticks (at most a day)."),
          scheduler: bool = typer.Option(True, "--scheduler/--no-scheduler",
                                         help="Run due monitors (--no-scheduler: dashboard only).")) -> None:
    """Scheduler, dashboard, JSON API and Prometheus /metrics."""
    from telltale.runner.validate import validate_folder
    from telltale.serve.server import serve as run_server

    if log_format not in ("text", "json"):
        _error_line(f"--log-format: '{log_format}' is not text or json", 2)
    with _errors():
        # checked as `telltale validate --no-warehouse` does: a project `run` refuses (exit 2)
        # must not start a server whose every scheduled run then fails
        proj, _notes = validate_folder(project, warehouse=False)
        _STATE["store"] = proj.store_url
        run_server(proj, host=host, port=port, token=token, log_format=log_format,
                   interval=interval, scheduler_on=scheduler)


def main() -> None:
    """Entry point of the `telltale` script: no traceback ever reaches a user.

    Expected failures are handled by each command (exit 2 or 3 with a message); anything
    else is a bug, reported in one line with exit code 3.
    """
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        _err().print("interrupted", highlight=False)
        sys.exit(130)
    except BaseException as exc:  # noqa: BLE001 - the last line of defence
        reason = str(exc).splitlines()[0] if str(exc) else ""
        from rich.text import Text

        _err().print(Text(f"internal error: {type(exc).__name__}: {reason} (this is a bug in telltale; "
                          "please report it with the command you ran)"), soft_wrap=True, highlight=False)
        sys.exit(3)


def _register() -> None:
    from telltale.cli.alerts_cmd import alerts_app
    from telltale.cli.scaffold import demo, init

    app.command()(init)
    app.command()(demo)
    app.add_typer(alerts_app, name="alerts")


_register()

if __name__ == "__main__":
    main()
