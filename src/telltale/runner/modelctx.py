"""From a validated config to what the planner and monitors need for one model."""

from __future__ import annotations

from typing import Any

from telltale.monitors.context import Field
from telltale.planner.spec import ActualsSpec, ModelSpec


def model_spec(project: Any, name: str) -> ModelSpec:
    """The planner's view of `models.NAME`."""
    m = project.model(name)
    actuals = None
    actual_cols: frozenset[str] = frozenset()
    if m.actuals_source is not None:
        a = m.actuals_source
        actuals = ActualsSpec(project.source_spec(a.source), a.id, a.timestamp)
        actual_cols = frozenset(f.column for f in m.fields("actuals"))
    return ModelSpec(
        name=name, connection=m.connection, source=project.source_spec(m.source),
        timestamp=m.timestamp, granularity=m.granularity, step=m.step, id=m.id,
        version=m.version, segments=tuple(m.segments), actuals=actuals,
        actual_columns=actual_cols, histogram_bins=m.histogram_bins,
        top_values=m.top_values, late_data=m.late_data, late_labels=m.late_labels,
        label_columns=frozenset(f.column for f in m.fields("actuals")))


def model_fields(project: Any, name: str) -> dict[str, Field]:
    """Every mapped field, keyed `group.name`."""
    m = project.model(name)
    return {f"{f.group}.{f.name}": Field(f.name, f.group, f.column, f.kind) for f in m.fields()}


def model_schema(project: Any, name: str) -> Any:
    """The metric language's ModelSchema of a model."""
    from telltale.metric_dsl.schema import FieldInfo, ModelSchema

    m = project.model(name)
    groups: dict[str, dict[str, Any]] = {}
    for f in m.fields():
        groups.setdefault(f.group, {})[f.name] = FieldInfo(column=f.column, kind=f.kind)
    return ModelSchema(model_type=m.type, fields=groups)
