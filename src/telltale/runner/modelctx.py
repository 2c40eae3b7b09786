"""From a validated config to what the planner and monitors need for one model."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from sqlglot import exp

from telltale.core.fields import Field
from telltale.core.partials import Partial
from telltale.planner.relation import col
from telltale.planner.spec import LABEL_ROWS, ActualsSpec, ModelSpec

if TYPE_CHECKING:
    from telltale.config.project import Project


def model_spec(project: Project, name: str) -> ModelSpec:
    """The planner's view of `models.NAME`."""
    m = project.model(name)
    actuals = None
    actual_cols: frozenset[str] = frozenset()
    if m.actuals_source is not None:
        a = m.actuals_source
        label_cols = tuple(sorted({f.column for f in m.fields("actuals")}))
        actuals = ActualsSpec(project.source_spec(a.source), a.id, a.timestamp, columns=label_cols)
        actual_cols = frozenset(label_cols) | {LABEL_ROWS}
    segments = tuple(m.segments)
    if m.version and m.version not in segments and any(c.by_version for c in project.monitors(name)):
        segments += (m.version,)   # by_version: the version column is one more segment column
    return ModelSpec(
        name=name, connection=m.connection, source=project.source_spec(m.source),
        timestamp=m.timestamp, granularity=m.granularity, step=m.step, id=m.id,
        version=m.version, segments=segments, actuals=actuals,
        actual_columns=actual_cols, histogram_bins=m.histogram_bins,
        top_values=m.top_values, max_segments=m.max_segments, late_data=m.late_data, late_labels=m.late_labels,
        label_columns=frozenset(f.column for f in m.fields("actuals")) | actual_cols)


def model_fields(project: Project, name: str) -> dict[str, Field]:
    """Every mapped field, keyed `group.name`."""
    m = project.model(name)
    return {f.qualified: f for f in m.fields()}


def model_schema(project: Project, name: str) -> Any:
    """The metric language's ModelSchema of a model."""
    from telltale.metric_dsl.schema import FieldInfo, ModelSchema

    m = project.model(name)
    groups: dict[str, dict[str, Any]] = {}
    for f in m.fields():
        groups.setdefault(f.group, {})[f.name] = FieldInfo(column=f.column, kind=f.kind)
    return ModelSchema(model_type=m.type, fields=groups, query_column=m.query_id or m.id)


_SECRET_KEY = re.compile(r"pass|secret|token|key|cred", re.IGNORECASE)


def _connection_identity(project: Project, name: str) -> dict[str, Any]:
    """A connection's type and where it points, without any secret."""
    conn = project.connection(name)
    params = conn.model_dump(exclude_none=True, mode="json")
    out = {k: v for k, v in params.items() if not _SECRET_KEY.search(k)}
    if isinstance(out.get("url"), str):
        parts = urlsplit(out["url"])
        host = parts.hostname or ""
        out["url"] = urlunsplit((parts.scheme, f"{host}:{parts.port}" if parts.port else host,
                                 parts.path, "", ""))
    return out


def summary_fingerprint(project: Project, spec: ModelSpec) -> str:
    """A hash of everything that shapes a model's stored summaries and grids.

    The connection (type and location, never a secret), the source (table, SQL, path,
    format, options), the timestamp, id and segment columns, the granularity, the label
    source (table, id, timestamp), histogram bins, top_values and how late data and labels
    may arrive. Column mappings and metric expressions are part of each partial's own key.
    A change of any of these makes every stored summary unusable: it is recomputed.
    """
    actuals = None
    if spec.actuals is not None:
        actuals = {"source": asdict(spec.actuals.source), "id": spec.actuals.id,
                   "timestamp": spec.actuals.timestamp, "columns": list(spec.actuals.columns)}
    shape = {
        "v": 1, "connection": _connection_identity(project, spec.connection),
        "source": asdict(spec.source), "timestamp": spec.timestamp, "granularity": spec.granularity,
        "step": spec.step.total_seconds(), "id": spec.id, "segments": list(spec.segments),
        "actuals": actuals, "histogram_bins": spec.histogram_bins, "top_values": spec.top_values,
        "late_data": spec.late_data.total_seconds(), "late_labels": spec.late_labels.total_seconds(),
    }
    text = json.dumps(shape, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def duplicate_labels() -> Partial:
    """Label rows left out because their prediction has a later label (summed per bucket)."""
    rows = col(LABEL_ROWS)
    return Partial("sum", exp.Sub(this=rows, expression=exp.Literal.number(1)),
                   exp.GT(this=rows.copy(), expression=exp.Literal.number(1)))
