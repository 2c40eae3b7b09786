"""`telltale alerts test|list|retry|resolve`: check a channel, see alerts and their delivery, deliver
now, resolve by hand."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

if TYPE_CHECKING:        # rich is imported when something is printed for people
    from rich.table import Table
    from rich.text import Text

alerts_app = typer.Typer(no_args_is_help=True, help="Alert channels, alerts and their delivery.")
ProjectOpt = typer.Option(Path("."), "--project", "-p", help="The project folder (with telltale.yml).")


@alerts_app.command("test")
def alerts_test(channel: str = typer.Argument(..., help="A channel name from `alerts:`."),
                project: Path = ProjectOpt) -> None:
    """Send a test alert to a channel (straight, not through the outbox)."""
    from telltale.alerts.channels import build_channel
    from telltale.alerts.testalert import send_test_alert
    from rich.text import Text

    from telltale.cli.main import _error_line, _errors, _load, _out

    with _errors():
        proj = _load(project)
        if channel not in proj.config.alerts:
            _error_line(f"no channel named '{channel}'; channels: {', '.join(proj.config.alerts) or 'none'}", 2)
        send_test_alert(build_channel(channel, proj.config.alerts[channel]), dashboard_url=proj.config.dashboard_url)
    _out().print(Text.assemble(("sent", "green"), f" a test alert to {channel}"), soft_wrap=True)


@alerts_app.command("list")
def alerts_list(project: Path = ProjectOpt,
                status: Optional[str] = typer.Option(None, "--status",
                                                     help="open | resolved | pending | failed"),
                as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Alerts and their delivery state per channel, and the notices not delivered yet."""
    from telltale.alerts.listing import list_alerts, status_problem
    from telltale.cli.main import _error_line, _errors, _load, _out
    from telltale.errors import StoreError, StoreUnavailableError
    from telltale.store import open_store, open_store_readonly

    problem = status_problem(status)
    if problem:
        _error_line(f"--status: {problem}", 2)
    with _errors():
        proj = _load(project)
        try:   # a listing creates no store: before the first run there is nothing to list
            store = open_store_readonly(proj.store_url)
        except StoreUnavailableError:
            raise
        except StoreError:   # a store of an older schema version: migrated, as a run would
            store = open_store(proj.store_url)
        data: dict[str, Any] = {"alerts": [], "outbox": []}
        if store is not None:
            try:
                data = list_alerts(store, set(proj.config.alerts), status)
            finally:
                store.close()
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    from rich.text import Text

    out = _out()
    if status not in ("pending", "failed"):
        out.print(alerts_table(data["alerts"]))
    if status not in ("open", "resolved"):
        out.print(Text(f"\n{len(data['outbox'])} notice(s) not delivered yet", style="bold"))
        for n in data["outbox"]:
            out.print(Text("  ") + notice_line(n), soft_wrap=True, highlight=False)


@alerts_app.command("retry")
def alerts_retry(project: Path = ProjectOpt,
                 as_json: bool = typer.Option(False, "--json", help="Print the delivery report as JSON.")) -> None:
    """Deliver every pending notice now (backoff or not); exit 3 when one still failed."""
    from telltale.alerts.dispatch import retry
    from telltale.cli.main import _errors, _load, _out
    from telltale.store import open_store

    with _errors():
        proj = _load(project)
        store = open_store(proj.store_url)
        try:
            report = retry(store, proj.config.alerts, now=datetime.now(timezone.utc),
                           dashboard_url=proj.config.dashboard_url)
        finally:
            store.close()
    notices = report.get("notices", [])
    if as_json:
        sys.stdout.write(json.dumps({"delivery": notices, "channel_errors": report.get("channel_errors", {})},
                                    indent=2) + "\n")
    else:
        from rich.text import Text

        out = _out()
        for n in notices:
            out.print(Text("  ") + notice_line(n), soft_wrap=True, highlight=False)
        out.print(Text(f"{sum(n['status'] == 'sent' for n in notices)} sent, "
                       f"{sum(n['status'] == 'failed' for n in notices)} failed, "
                       f"{sum(n['status'] == 'pending' for n in notices)} pending"))
    stuck = any(n["status"] != "sent" for n in notices)
    raise typer.Exit(3 if stuck else 0)


@alerts_app.command("resolve")
def alerts_resolve(alert_ids: list[str] = typer.Argument(..., metavar="ID...", help="Open alert ids (alerts list)."),
                   project: Path = ProjectOpt,
                   note: Optional[str] = typer.Option(None, "--note", help="Why, added to the reason."),
                   as_json: bool = typer.Option(False, "--json", help="Print what changed and the delivery as JSON.")
                   ) -> None:
    """Resolve open alerts by hand (one whose segment no longer occurs, another project's, a
    renamed project's): one `resolved` notice to the channels told it fired, then every
    pending notice is delivered; exit 3 when one is still pending."""
    from telltale.alerts.dispatch import retry
    from telltale.alerts.retire import resolve_by_hand
    from telltale.cli.main import _error_line, _errors, _load, _out
    from telltale.store import open_store

    with _errors():
        proj = _load(project)
        store = open_store(proj.store_url)
        try:
            now = datetime.now(timezone.utc)
            try:
                done = resolve_by_hand(store, alert_ids, note, now=now)
            except ValueError as exc:
                _error_line(str(exc), 2)
            report = retry(store, proj.config.alerts, now=now, dashboard_url=proj.config.dashboard_url)
        finally:
            store.close()
    notices = report.get("notices", [])
    if as_json:
        sys.stdout.write(json.dumps({"alerts": [t.as_json() for t in done], "delivery": notices,
                                     "channel_errors": report.get("channel_errors", {})}, indent=2) + "\n")
    else:
        from rich.text import Text

        out = _out()
        for t in done:
            to = ("queued for " + ", ".join(t.channels)) if t.channels else "no channel was told it fired"
            out.print(Text.assemble(("resolved", "green"), f" {t.id} {t.monitor} ({t.reason}; {to})"),
                      soft_wrap=True, highlight=False)
        for n in notices:
            out.print(Text("  ") + notice_line(n), soft_wrap=True, highlight=False)
    raise typer.Exit(3 if any(n["status"] != "sent" for n in notices) else 0)


STYLE = {"sent": "green", "failed": "bold red", "pending": "yellow"}


def notice_line(n: dict[str, Any]) -> Text:
    """`failed firing of al_... to ops: <reason>; retried after <time>`."""
    from rich.text import Text

    status = str(n.get("status"))
    text = f" {n.get('notice')} of {n.get('alert')} to {n.get('channel')}"
    if n.get("error"):
        text += f": {n['error']}"
    if status != "sent" and n.get("retry_at"):
        text += f" (next try after {n['retry_at']})"
    return Text.assemble((status, STYLE.get(status, "")), text)


def alerts_table(alerts: list[dict[str, Any]]) -> Table:
    """One row per alert: id, monitor, where, status, severity, opened, and delivery per channel."""
    from rich.table import Table
    from rich.text import Text

    from telltale.core.segkey import segment_label

    table = Table(title="alerts")
    for name in ("id", "monitor", "column", "segment", "status", "severity", "opened", "delivery"):
        table.add_column(name, overflow="fold")
    for a in alerts:
        per_channel = []
        for n in a["notices"]:
            ref = a["refs"].get(n["channel"])
            per_channel.append(f"{n['channel']}: {n['notice']} {n['status']}" + (f" ({ref})" if ref else ""))
        status = a["status"] + (f" ({a['resolved_reason']})" if a.get("resolved_reason") else "")
        table.add_row(a["id"], a["monitor"], a["column"] or "-",
                      segment_label(a["segment"]) or "-", Text(status),
                      a["severity"], a["opened_at"] or "-",
                      Text("\n".join(per_channel) or ("held: " + a["suppressed"] if a["suppressed"] else "-")))
    return table
