"""`telltale.load(...)`: a project for notebooks and orchestrators (docs/python.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from telltale.api.frames import HISTORY_COLUMNS, alert_rows, history_rows, to_frame
from telltale.api.select import pick_monitors, run_monitors
from telltale.configbase.words import did_you_mean
from telltale.core.finite import strict_json
from telltale.core.timeutil import parse_time
from telltale.errors import ConfigError

if TYPE_CHECKING:
    from telltale.config.project import Project
    from telltale.store import Store


RESULT_COLUMNS = ("monitor", "model", "type", "column", "segment", "metric", "value", "threshold",
                  "status", "severity", "window", "baseline", "message", "error",
                  "window_start", "window_end")
ALERT_COLUMNS = ("id", "monitor", "model", "column", "segment", "status", "severity", "opened_at",
                 "resolved_at", "fired_at", "suppressed", "value", "metric", "message", "window", "delivery",
                 "resolved_reason")


def _time(value: str | datetime | None, what: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        return parse_time(str(value))
    except ValueError as exc:
        raise ConfigError(f"{what}: {exc}") from None


@dataclass(frozen=True)
class Report:
    """One run's outcome: `exit_code` as the CLI's, results as a DataFrame, the `run --json` object."""

    raw: Any

    @property
    def exit_code(self) -> int:
        """0 nothing fired, 1 an alert fired, 3 a monitor failed (as `telltale run`)."""
        code: int = self.raw.exit_code
        return code

    @property
    def run_id(self) -> str:
        """The run's id in the state store."""
        rid: str = self.raw.run_id
        return rid

    @property
    def results(self) -> list[Any]:
        """The MonitorResults, one per monitor, column and segment."""
        return list(self.raw.results)

    def as_json(self) -> dict[str, Any]:
        """The object `telltale run --json` prints (strict JSON: a NaN or infinity is null, and
        the result's message says what it was)."""
        return strict_json(self.raw)

    def to_pandas(self) -> Any:
        """One row per result with the `run --json` fields (plus window_start/window_end as times)."""
        rows = []
        for r in self.raw.as_json()["results"]:      # NaN stays NaN in a DataFrame
            window = r.get("window") or {}
            rows.append({**r, "window_start": window.get("start"), "window_end": window.get("end")})
        # the fields some results carry besides the common ones (p_value, baseline_value, ...)
        own = tuple(dict.fromkeys(k for r in rows for k in r if k not in RESULT_COLUMNS))
        columns = RESULT_COLUMNS[:-2] + own + RESULT_COLUMNS[-2:]
        return to_frame(rows, columns, times=("window_start", "window_end"))


@dataclass(frozen=True)
class ApiProject:
    """A loaded, validated project."""

    project: Project

    @property
    def root(self) -> Path:
        """The project folder."""
        root: Path = self.project.root
        return root

    def run(self, at: str | datetime | None = None, monitors: Sequence[str] | str | None = None,
            dry_run: bool = False) -> Report:
        """Evaluate the monitors (all, or those named) for the last complete window at `at` (default now)."""
        when = _time(at, "at") or datetime.now(timezone.utc)
        chosen = None if monitors is None else pick_monitors(self.project, monitors)
        return Report(run_monitors(self.project, when, chosen, dry_run=dry_run))

    def _store(self) -> Store | None:
        from telltale.store import open_store_readonly

        return open_store_readonly(self.project.store_url)

    def history_filters(self, model: str | None, monitor: str | Sequence[str] | None, column: str | None,
                        since: str | datetime | None) -> tuple[datetime | None, str | None]:
        """Check the filters of `history` as the CLI does (an unknown name is a ConfigError);
        return `since` as a UTC time and the column name points are stored under."""
        for what, value in (("model", model), ("column", column)):
            if value is not None and not isinstance(value, str):
                raise ConfigError(f"{what}: give a {what} name, not {value!r}")
        self._check(model, None)
        for name in _names(monitor):
            self._check(None, name)
        return _time(since, "since"), self._column(model, column)

    def history_rows(self, model: str | None = None, monitor: str | Sequence[str] | None = None,
                     since: str | datetime | None = None, column: str | None = None) -> list[dict[str, Any]]:
        """Stored points as dicts (the `history --json` objects); `monitor` may list several."""
        first, column = self.history_filters(model, monitor, column, since)
        store = self._store()
        try:
            rows = [r for name in ([None] if monitor is None else _names(monitor))
                    for r in history_rows(store, model=model, monitor=name, column=column, since=first)]
        finally:
            if store is not None:
                store.close()
        return sorted(rows, key=lambda r: (r["model"], r["monitor"]))    # stable: by series then time

    def history(self, model: str | None = None, monitor: str | Sequence[str] | None = None,
                since: str | datetime | None = None, column: str | None = None) -> Any:
        """A DataFrame of stored points: one row per monitor, column, segment, metric and time."""
        return to_frame(self.history_rows(model, monitor, since, column), HISTORY_COLUMNS, times=("at",))

    def alerts(self, status: str | None = None) -> Any:
        """A DataFrame of alerts (open | resolved, or pending | failed delivery), newest first,
        each with its notices' delivery state per channel (`delivery`)."""
        from telltale.alerts.listing import status_problem

        problem = status_problem(status)
        if problem:
            raise ConfigError(f"status: {problem}")
        store = self._store()
        try:
            rows = alert_rows(store, status)
        finally:
            if store is not None:
                store.close()
        return to_frame(rows, ALERT_COLUMNS, times=("opened_at", "resolved_at", "fired_at"))

    def _check(self, model: str | None, monitor: str | None) -> None:
        cfg = self.project.config
        if model is not None and model not in cfg.models:
            raise ConfigError(f"no model named '{model}'; models: {', '.join(cfg.models)}")
        if monitor is not None and cfg.monitor(monitor) is None:
            raise ConfigError(f"no monitor named '{monitor}'; monitors: "
                              f"{', '.join(m.name for m in cfg.monitors)}")


    def _column(self, model: str | None, column: str | None) -> str | None:
        """The column name points are stored under (`features.x` -> `x`); a name no model (or
        not `model`) maps is a usage error, as an unknown model or monitor is."""
        if column is None:
            return None
        models = self.project.config.models
        fields = [f for name, m in models.items() if model in (None, name) for f in m.fields()]
        for f in fields:
            if column in (f.name, f.qualified):
                return f.name
        names = list(dict.fromkeys(f.name for f in fields))
        raise ConfigError(f"no column named '{column}'{did_you_mean(column, names)}; columns: "
                          f"{', '.join(names)}")


def _names(monitor: str | Sequence[str] | None) -> list[str]:
    """The monitor names of a `monitor=` filter (one name or a list); [] for None."""
    if monitor is None:
        return []
    names = [monitor] if isinstance(monitor, str) else monitor
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"monitor: give a monitor name or a list of names, not {monitor!r}")
    return list(dict.fromkeys(names))


def load(path: str | Path = ".", *, warehouse: bool = True) -> ApiProject:
    """Load and validate a project folder as `telltale validate` does (with `warehouse=False`,
    without checking the columns in the warehouse). Raises TelltaleError subclasses."""
    import os

    from telltale.runner.validate import validate_folder

    if not isinstance(path, (str, os.PathLike)):
        raise ConfigError(f"load: give the project folder (a path to the folder with telltale.yml), "
                          f"not {path!r}")
    project, _notes = validate_folder(Path(path), warehouse=warehouse)
    return ApiProject(project)
