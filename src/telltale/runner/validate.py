"""`telltale validate`: every config, metric-language and warehouse problem, reported at once.

The same source checks guard `telltale run`: a `source.sql` that is not one SELECT, a
mapped column the warehouse lacks, or a timestamp column that is not a timestamp are bad
input (exit 2) found before anything is stored, not failures found half-way through a run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from telltale.errors import ConfigError, TelltaleError
from telltale.runner.metrics import MetricCompiler

if TYPE_CHECKING:
    from pathlib import Path
    from sqlglot import exp

    from telltale.config.models import ModelConfig
    from telltale.config.project import Project
    from telltale.connectors.base import Connector

TIME_KINDS = ("timestamp", "date")


class ValidationProblems(ConfigError):
    """Every problem `validate` (or a run's pre-flight check) found, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        head = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        super().__init__(f"{head} found:\n  " + "\n  ".join(p.replace("\n", "\n  ") for p in problems))


def validate_project(project: Project, *, warehouse: bool = True) -> list[str]:
    """Check the metric files, the monitors' metrics, every `source.sql` and (with
    `warehouse`) every mapped column; raise ValidationProblems listing all problems, else
    return notes about what was checked."""
    compiler, problems_dsl, skipped = MetricCompiler.tolerant(project)
    problems = [str(e) for e in problems_dsl]
    problems += [str(e) for e in compiler.problems(list(project.monitors()), skip=skipped)]
    problems += [str(e) for e in compiler.check_files()]
    problems += source_sql_problems(project, project.config.models)
    notes = [(f"{len(project.config.models)} model(s), {len(project.config.monitors)} monitor(s), "
              f"{len(project.metric_files)} metric file(s) parsed")]
    if warehouse:
        # a model whose source.sql was refused above is not sent to the warehouse again
        # (the same problem would be listed twice, once per location)
        readable = [n for n in project.config.models if not source_sql_problems(project, [n])]
        found, checked = warehouse_problems(project, readable, runtime_errors=True)
        problems += found
        notes += [f"model {name}: {n} mapped column(s) found in the warehouse" for name, n in checked]
    if problems:
        raise ValidationProblems(list(dict.fromkeys(problems)))
    return notes


def validate_folder(project_dir: Path | str, *, warehouse: bool = True) -> tuple[Any, list[str]]:
    """Load and validate a project folder: (project, notes), or ValidationProblems.

    When telltale.yml itself is invalid, its problems are listed together with the
    metric files' own errors (syntax, unknown names): those need no valid config.
    """
    from telltale.config import load_project
    from telltale.config.problems import ConfigProblems

    try:
        project = load_project(project_dir)
    except ConfigProblems as exc:
        extra = metric_file_problems(project_dir)
        if not extra:
            raise
        raise ValidationProblems([p.format() for p in exc.problems] + extra) from None
    return project, validate_project(project, warehouse=warehouse)


def metric_file_problems(project_dir: Path | str) -> list[str]:
    """Errors of the metric files a (possibly invalid) telltale.yml names in `metrics:`,
    found without the rest of the config: syntax errors and unknown names."""
    import glob
    import os
    from pathlib import Path

    from telltale.config.yamlload import load_yaml
    from telltale.errors import DSLError
    from telltale.metric_dsl import load_library

    root = Path(project_dir).expanduser().resolve()
    try:
        data = load_yaml((root / "telltale.yml").read_text(encoding="utf-8")).data
    except (TelltaleError, OSError, UnicodeDecodeError):
        return []
    globs = data.get("metrics") if isinstance(data, dict) else None
    if not isinstance(globs, list):
        return []
    files: list[Path] = []
    for pattern in globs:
        if isinstance(pattern, str) and "${" not in pattern:
            full = pattern if Path(pattern).is_absolute() else os.path.join(glob.escape(str(root)), pattern)
            files += [Path(f).resolve() for f in sorted(glob.glob(full, recursive=True)) if Path(f).is_file()]
    try:
        load_library(list(dict.fromkeys(files)), base=root)
    except DSLError as exc:
        return [str(e) for e in (getattr(exc, "errors", None) or [exc])]
    return []


def check_before_run(project: Project, models: Iterable[str], connectors: dict[str, Any]) -> None:
    """The checks a run makes before it stores anything: `source.sql` and the warehouse's
    columns and types; raise ValidationProblems (exit 2) on bad input.

    Connectors opened here are left in `connectors` (connection name -> connector) for the
    run; a warehouse that cannot be reached is left for the run to report (exit 3).
    """
    names = list(dict.fromkeys(models))
    problems = source_sql_problems(project, names)
    if not problems:
        problems, _ = warehouse_problems(project, names, connectors=connectors)
    if problems:
        raise ValidationProblems(problems)


def _dialect(project: Project, model: str) -> str:
    dialect: str = project.connection(project.model(model).connection).SQL_DIALECT
    return dialect


def _sources(project: Project, name: str) -> list[tuple[tuple[str | int, ...], Any]]:
    """(key path, SourceConfig) of every source a model reads."""
    m = project.model(name)
    out: list[tuple[tuple[str | int, ...], Any]] = [(("models", name, "source"), m.source)]
    if m.actuals_source is not None:
        out.append((("models", name, "actuals_source", "source"), m.actuals_source.source))
    if m.baseline is not None and m.baseline.training is not None:
        out.append((("models", name, "baseline", "training"), m.baseline.training))
    for i, mon in enumerate(project.config.monitors):
        if mon.model == name and mon.baseline is not None and mon.baseline.training is not None:
            out.append((("monitors", i, "baseline", "training"), mon.baseline.training))
    return out


def sql_problem(sql: str, dialect: str) -> str | None:
    """Why a `source.sql` cannot be used (not one SELECT, does not parse), or None."""
    import sqlglot

    from telltale.connectors.safety import ensure_select

    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        return f"source.sql does not parse as {dialect} SQL: {str(exc).splitlines()[0]}"
    if len(statements) != 1:
        return (f"source.sql holds {len(statements)} statements; write exactly one SELECT "
                "(no ';' between statements)")
    try:
        ensure_select(cast("exp.Expression", statements[0]))
    except TelltaleError as exc:
        return str(exc)
    return None


def source_sql_problems(project: Project, models: Iterable[str]) -> list[str]:
    """One problem per `source.sql` that is not a single SELECT in its connection's dialect."""
    problems = []
    for name in models:
        dialect = _dialect(project, name)
        for path, source in _sources(project, name):
            if source.sql is None:
                continue
            why = sql_problem(source.sql, dialect)
            if why:
                problems.append(f"{project.where(*path, 'sql')}: {why}")
    return problems


def warehouse_problems(project: Project, models: Iterable[str], *, connectors: dict[str, Any] | None = None,
                       runtime_errors: bool = False) -> tuple[list[str], list[tuple[str, int]]]:
    """Problems of the models' mapped columns against the warehouse, and (model, number of
    columns checked) for each model that could be described.

    Connection failures and failed queries (exit code 3) are problems only with
    `runtime_errors` (validate); a run reports them itself.
    """

    own = connectors is None
    pool: dict[str, Any] = {} if connectors is None else connectors
    problems: list[str] = []
    checked: list[tuple[str, int]] = []
    try:
        for name in models:
            m = project.model(name)
            try:
                if m.connection not in pool:
                    conn = project.connection(m.connection)
                    pool[m.connection] = conn.open(project.root, name=m.connection)
                c = pool[m.connection]
            except TelltaleError as exc:
                if runtime_errors or exc.exit_code != 3:
                    problems.append(f"{project.where('models', name, 'connection')}: {exc}")
                continue
            try:
                columns = c.describe(project.source_spec(m.source))
                label_cols = c.describe(project.source_spec(m.actuals_source.source)) if m.actuals_source else {}
            except TelltaleError as exc:
                if runtime_errors or exc.exit_code != 3:
                    problems.append(f"{project.where('models', name, 'source')}: cannot read the source: {exc}")
                continue
            problems += _column_problems(project, name, m, columns, label_cols, c.dialect)
            problems += _training_problems(project, name, c, runtime_errors)
            checked.append((name, len(m.fields())))
    finally:
        if own:
            for c in pool.values():
                c.close()
    return problems, checked


def _training_problems(project: Project, name: str, connector: Connector, runtime_errors: bool) -> list[str]:
    """Training sets a model's monitors compare with that cannot be read, or that lack a
    column one of those monitors compares (a training set needs only those columns)."""
    from telltale.runner.windows import source_key, training_source

    m = project.model(name)
    compared: dict[str, list[Any]] = {}
    for mon in project.monitors(name):
        src = training_source(mon, m)
        if src is not None:
            compared.setdefault(source_key(src), []).extend(project.monitor_columns(mon))
    problems = []
    for path, source in _sources(project, name):
        key = source_key(source)
        if path[-1] != "training" or key not in compared:
            continue
        where = project.where(*path)
        try:
            columns = connector.describe(project.source_spec(source))
        except TelltaleError as exc:
            if runtime_errors or exc.exit_code != 3:
                problems.append(f"{where}: cannot read the training set: {exc}")
            continue
        for f in dict.fromkeys(compared.pop(key)):
            if f.column not in columns:
                problems.append(f"{where}: column '{f.column}' of {f.qualified} is not in the training "
                                f"set (columns: {', '.join(sorted(columns))})")
    return problems


def _column_problems(project: Project, name: str, m: ModelConfig, columns: dict[str, str],
                     label_cols: dict[str, str], dialect: Any = None) -> list[str]:
    """Mapped columns missing from the source, or of a kind they cannot be read as."""
    from telltale.connectors.types import why_not

    problems = []
    checks: list[tuple[tuple[str, ...], str | None, dict[str, str], tuple[str, ...] | None]] = [
        (("timestamp",), m.timestamp, columns, TIME_KINDS), (("id",), m.id, columns, None),
        (("version",), m.version, columns, None)]
    if m.actuals_source is not None:
        checks += [(("actuals_source", "id"), m.actuals_source.id, label_cols, None),
                   (("actuals_source", "timestamp"), m.actuals_source.timestamp, label_cols, TIME_KINDS)]
    for key, column, table, kinds in checks:
        where = project.where("models", name, *key)
        if column and column not in table:
            problems.append(f"{where}: column '{column}' is not in the source "
                            f"(columns: {', '.join(sorted(table))})")
        elif column and kinds and table[column] not in kinds:
            convert = f"to_timestamp({column})" if table[column] == "numeric" else \
                f"CAST({column} AS TIMESTAMP)"
            problems.append(f"{where}: column '{column}' is {table[column]}, expected a timestamp or "
                            "date; convert it in the source, e.g. source: {sql: \"select *, "
                            f"{convert} AS {column}_ts from ...\"}} and {key[-1]}: {column}_ts")
    if m.timestamp and columns.get(m.timestamp) == "date" and m.granularity != "day":
        problems.append(f"{project.where('models', name, 'granularity')}: {m.granularity}ly buckets need "
                        f"a timestamp, and column '{m.timestamp}' is a DATE; use granularity: day")
    for seg in m.segments:
        if seg not in columns:
            problems.append(f"{project.where('models', name, 'segments')}: segment column '{seg}' "
                            "is not in the source")
    for f in m.fields():
        table = label_cols if (m.actuals_source and f.group == "actuals") else columns
        where = project.where("models", name, f.group, f.name)
        if f.column not in table:
            problems.append(f"{where}: column '{f.column}' of {f.group}.{f.name} is not in the source")
        elif (problem := why_not(f.kind, table[f.column], dialect, f.column)) is not None:
            problems.append(f"{where}: column '{f.column}' is {table[f.column]}, {problem}")
    return problems
