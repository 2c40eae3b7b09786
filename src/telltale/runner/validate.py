"""`telltale validate`: config and DSL checks, then every mapped column against the warehouse."""

from __future__ import annotations

from typing import Any

from telltale.connectors import connect
from telltale.connectors.types import accepts
from telltale.errors import ConfigError, TelltaleError
from telltale.runner.metrics import MetricCompiler


def validate_project(project: Any, *, warehouse: bool = True) -> list[str]:
    """Raise on the first class of problem; return notes about what was checked."""
    compiler = MetricCompiler(project)
    compiler.check(list(project.monitors()))
    unusable = compiler.check_files()
    if unusable:
        from telltale.metric_dsl import DSLErrorGroup

        raise DSLErrorGroup(unusable)
    notes = [f"{len(project.config.models)} model(s), {len(project.config.monitors)} monitor(s), "
             f"{len(project.metric_files)} metric file(s) parsed"]
    if not warehouse:
        return notes
    problems: list[str] = []
    for name, m in project.config.models.items():
        conn = project.connection(m.connection)
        try:
            c = connect(conn.type, conn.model_dump(exclude={"type"}, exclude_none=True), base_dir=project.root)
        except TelltaleError as exc:
            problems.append(f"{project.where('models', name, 'connection')}: {exc}")
            continue
        try:
            columns = c.describe(project.source_spec(m.source))
            label_cols = c.describe(project.source_spec(m.actuals_source.source)) if m.actuals_source else {}
        except TelltaleError as exc:
            problems.append(f"{project.where('models', name, 'source')}: cannot read the source: {exc}")
            c.close()
            continue
        c.close()
        checks = [("timestamp", m.timestamp, ("timestamp", "date")), ("id", m.id, None),
                  ("version", m.version, None)]
        for key, column, kinds in checks:
            if column and column not in columns:
                problems.append(f"{project.where('models', name, key)}: column '{column}' is not in the source "
                                f"(columns: {', '.join(sorted(columns))})")
            elif column and kinds and columns[column] not in kinds:
                problems.append(f"{project.where('models', name, key)}: column '{column}' is "
                                f"{columns[column]}, expected a timestamp")
        for seg in m.segments:
            if seg not in columns:
                problems.append(f"{project.where('models', name, 'segments')}: segment column '{seg}' is not in the source")
        for f in m.fields():
            table = label_cols if (m.actuals_source and f.group == "actuals") else columns
            where = project.where("models", name, f.group, f.name)
            if f.column not in table:
                problems.append(f"{where}: column '{f.column}' of {f.group}.{f.name} is not in the source")
            elif not accepts(f.kind, table[f.column]):
                problems.append(f"{where}: column '{f.column}' is {table[f.column]}, which cannot be "
                                f"monitored as {f.kind}")
        notes.append(f"model {name}: {len(m.fields())} mapped column(s) found in the warehouse")
    if problems:
        raise ConfigError("the warehouse does not match telltale.yml:\n  " + "\n  ".join(problems))
    return notes
