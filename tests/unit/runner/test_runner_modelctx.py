"""runner.modelctx: a validated model as the planner, the monitors and the DSL see it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from telltale.config import load_project, write_starter
from telltale.core.fields import Field
from telltale.runner.modelctx import model_fields, model_schema, model_spec, summary_fingerprint


def _project(tmp_path: Path):
    write_starter(tmp_path)
    return load_project(tmp_path, env={})


def test_fields_are_the_configs_own_field_values(tmp_path: Path) -> None:
    project = _project(tmp_path)
    fields = model_fields(project, "credit")
    model = project.model("credit")
    assert list(fields.values()) == model.fields()
    for key, f in fields.items():
        assert isinstance(f, Field) and key == f"{f.group}.{f.name}" and f.expr.name == f.column
    assert any(f.is_numeric for f in fields.values())


def test_schema_and_spec_follow_the_fields(tmp_path: Path) -> None:
    project = _project(tmp_path)
    fields = model_fields(project, "credit")
    schema = model_schema(project, "credit")
    for f in fields.values():
        info = schema.fields[f.group][f.name]
        assert (info.column, info.kind) == (f.column, f.kind)
    spec = model_spec(project, "credit")
    assert spec.name == "credit" and spec.timestamp == project.model("credit").timestamp


def test_fingerprint_changes_with_what_shapes_summaries(tmp_path: Path) -> None:
    project = _project(tmp_path)
    spec = model_spec(project, "credit")
    same = summary_fingerprint(project, spec)
    assert summary_fingerprint(project, spec) == same and len(same) == 32
    assert summary_fingerprint(project, dataclasses.replace(spec, histogram_bins=spec.histogram_bins + 1)) != same
    assert summary_fingerprint(project, dataclasses.replace(spec, segments=(*spec.segments, "other_column"))) != same
