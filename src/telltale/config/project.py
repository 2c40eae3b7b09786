"""Load a monitoring project: read telltale.yml, validate it, resolve metric files and paths."""

from __future__ import annotations

import glob as globlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from pydantic import ValidationError

from telltale.config.connections import Connection
from telltale.config.env import Redactions, interpolate
from telltale.config.fields import monitor_columns
from telltale.config.models import ModelConfig, SourceConfig
from telltale.core.fields import Field
from telltale.config.monitors import Monitor
from telltale.config.problems import ConfigProblems, Path_, Problem
from telltale.config.schema import TelltaleConfig
from telltale.config.validation import problems_from
from telltale.config.xref import check_references
from telltale.config.yamlload import SourceMap, load_yaml

CONFIG_FILE = "telltale.yml"


@dataclass(frozen=True)
class ParsedConfig:
    """A validated config and where each of its keys was written."""

    config: TelltaleConfig
    source_map: SourceMap


def _parse(text: str, file: str, env: Mapping[str, str] | None,
           more_checks: Callable[[TelltaleConfig, SourceMap], list[Problem]] | None = None) -> ParsedConfig:
    loaded = load_yaml(text, file)
    smap = loaded.source_map
    problems: list[Problem] = list(loaded.problems)
    if loaded.data is None:
        raise ConfigProblems(problems or [Problem(file, 1, 1, "", "the file is empty; start with "
                                                  "`version: 1` (telltale init DIR writes a starter)")])
    if not isinstance(loaded.data, dict):
        raise ConfigProblems([smap.problem((), "the file must be a mapping of sections "
                                           "(version, connections, models, monitors, alerts)")])
    redactions = Redactions()
    data, env_problems = interpolate(loaded.data, os.environ if env is None else env, smap,
                                     redactions=redactions)
    problems += env_problems
    env_keys = {p.key for p in env_problems}
    try:
        config = TelltaleConfig.model_validate(data)
    except ValidationError as exc:
        problems += [p for p in problems_from(exc, data, smap, TelltaleConfig) if p.key not in env_keys]
        raise ConfigProblems([redactions.problem(p) for p in problems]) from None
    if problems:
        raise ConfigProblems([redactions.problem(p) for p in problems])
    problems = check_references(config, smap)
    if more_checks is not None:
        problems += more_checks(config, smap)
    if problems:
        raise ConfigProblems([redactions.problem(p) for p in problems])
    return ParsedConfig(config, smap)


def parse_config(text: str, *, file: str = CONFIG_FILE,
                 env: Mapping[str, str] | None = None) -> ParsedConfig:
    """Validate telltale.yml text (YAML, `${VAR}`s, models, cross references).

    Raises ConfigProblems (a ConfigError) listing every problem as `file:line:col: key: message`.
    Metric globs are not resolved here (see load_project).
    """
    return _parse(text, file, env)


def _is_url(text: str) -> bool:
    return "://" in text or text.startswith(("md:", "motherduck:")) or text == ":memory:"


@dataclass(frozen=True)
class Project:
    """A loaded monitoring project: the validated config, its folder and its metric files."""

    root: Path
    """The project folder (absolute)."""
    config_path: Path
    """The telltale.yml file (absolute)."""
    config: TelltaleConfig
    metric_files: tuple[Path, ...]
    """The metric-language files the `metrics` globs matched (absolute, sorted, no repeats)."""
    source_map: SourceMap

    # -- paths ----------------------------------------------------------------

    def resolve_path(self, path: str | os.PathLike[str]) -> Path:
        """An absolute path: relative ones are taken relative to the project folder (`~` expands)."""
        p = Path(os.path.expanduser(os.fspath(path)))
        return p if p.is_absolute() else (self.root / p).resolve()

    def resolve_location(self, text: str) -> str:
        """A local path made absolute; URLs (`s3://...`, `md:...`) and `:memory:` unchanged."""
        return text if _is_url(text) else str(self.resolve_path(text))

    @property
    def store_url(self) -> str:
        """The state store's SQLAlchemy URL, with a relative sqlite file made absolute."""
        url = self.config.store
        prefix = next((p for p in ("sqlite:///", "sqlite+pysqlite:///") if url.startswith(p)), None)
        if prefix is None:
            return url
        rest = url[len(prefix):]
        if not rest or rest.startswith(("/", ":memory:")) or rest.startswith("file:"):
            return url
        path, sep, query = rest.partition("?")
        return prefix + str(self.resolve_path(path)) + sep + query

    # -- lookups --------------------------------------------------------------

    def model(self, name: str) -> ModelConfig:
        """A model by name (KeyError if absent)."""
        return self.config.models[name]

    def connection(self, name: str) -> Connection:
        """A connection by name with its local files made absolute (database, key, credentials)."""
        conn = self.config.connections[name]
        update: dict[str, Any] = {}
        for key in ("database", "private_key_file", "credentials_file"):
            value = getattr(conn, key, None)
            if value and (conn.type == "duckdb" or key != "database"):
                update[key] = self.resolve_location(value)
        return conn.model_copy(update=update) if update else conn

    def model_connection(self, model: str) -> Connection:
        """The (resolved) connection of a model."""
        return self.connection(self.model(model).connection)

    def monitors(self, model: str | None = None) -> list[Monitor]:
        """The monitors, all or one model's, in file order."""
        return [m for m in self.config.monitors if model is None or m.model == model]

    def monitor_columns(self, monitor: Monitor) -> list[Field]:
        """The fields a monitor looks at ([] for model-level monitors); columns are already checked."""
        return monitor_columns(monitor, self.model(monitor.model), monitor.model)

    def source_spec(self, source: SourceConfig) -> Any:
        """A connector SourceSpec for a source, with a local path made absolute."""
        from telltale.connectors.base import SourceSpec

        path = self.resolve_location(source.path) if source.path else None
        return SourceSpec(table=source.table, sql=source.sql, path=path,
                          format=source.file_format if source.path else None,
                          partitioning=source.partitioning)

    # -- errors that point into telltale.yml ----------------------------------

    def where(self, *path: str | int) -> str:
        """`telltale.yml:LINE:COL` of a key path, for messages raised after loading."""
        pos = self.source_map.value_at(tuple(path))
        return f"{self.source_map.file}:{pos[0]}:{pos[1]}" if pos else self.source_map.file

    def config_error(self, message: str, *path: str | int) -> ConfigProblems:
        """A ConfigError located at a key path, e.g. a mapped column missing in the warehouse."""
        return ConfigProblems([self.source_map.problem(tuple(path), message)])


def _metric_files(root: Path, globs: tuple[str, ...], smap: SourceMap) -> tuple[list[Path], list[Problem]]:
    files: list[Path] = []
    problems: list[Problem] = []
    for i, pattern in enumerate(globs):
        path: Path_ = ("metrics", i)
        full = pattern if os.path.isabs(pattern) else os.path.join(globlib.escape(str(root)), pattern)
        matched = sorted(Path(p).resolve() for p in globlib.glob(full, recursive=True)
                         if Path(p).is_file())
        if not matched:
            problems.append(smap.problem(path, f"'{pattern}' matches no file (globs are relative to "
                                         f"{root}); fix the pattern or remove it"))
        files.extend(m for m in matched if m not in files)
    return files, problems


def load_project(project_dir: Path | str = ".", *, env: Mapping[str, str] | None = None,
                 config_name: str = CONFIG_FILE) -> Project:
    """Load and validate `project_dir/telltale.yml`; raise ConfigProblems listing every problem.

    `env` replaces os.environ for `${VAR}` interpolation (tests).
    """
    root = Path(project_dir).expanduser().resolve()
    config_path = root / config_name
    if root.is_file():
        hint = f"pass --project {root.parent}" if root.name == config_name else \
            f"pass the folder that holds {config_name}"
        raise ConfigProblems([Problem(str(root), None, None, "",
                                      f"is a file, and a project is the folder that holds "
                                      f"{config_name}: {hint}")])
    if not config_path.is_file():
        hint = f"run `telltale init {project_dir}` to create one" if root.is_dir() else \
            "the folder does not exist"
        raise ConfigProblems([Problem(str(config_path), None, None, "",
                                      f"no {config_name} here; {hint}, or pass --project DIR")])
    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigProblems([Problem(config_name, None, None, "", f"cannot read the file: {exc}")]) from None
    except UnicodeDecodeError as exc:
        before = exc.object[:exc.start]
        raise ConfigProblems([Problem(config_name, before.count(b"\n") + 1, exc.start - (before.rfind(b"\n") + 1) + 1,
                                      "", f"the file is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
                                      f"offset {exc.start}); save it as UTF-8")]) from None
    found: list[Path] = []

    def check_metrics(config: TelltaleConfig, smap: SourceMap) -> list[Problem]:
        files, problems = _metric_files(root, config.metrics, smap)
        found.extend(files)
        return problems

    parsed = _parse(text, config_name, env, check_metrics)
    files = found
    return Project(root=root, config_path=config_path, config=parsed.config,
                   metric_files=tuple(files), source_map=parsed.source_map)
