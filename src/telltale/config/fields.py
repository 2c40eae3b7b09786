"""Which fields of its model a monitor looks at, and whether their kinds fit the monitor.

A `columns` entry is a field name (`income`), looked up in the monitor type's default
groups, or a qualified name (`raw_inputs.income`) in one of the groups the type accepts:

| type | unqualified names | qualified groups | default columns | kinds |
|---|---|---|---|---|
| data_drift | features | features, raw_inputs | all features | any; ks/wasserstein numeric only |
| prediction_drift | predictions | predictions | all predictions | same |
| missing_values | any group | any group | features, raw_inputs, predictions | any |
| new_values | features | features, raw_inputs, predictions | categorical/boolean features | not numeric |
| value_range | features | any group | numeric features | numeric |
| metric_change | features | any group | numeric features (all: missing_count) | numeric (any: missing_count)|

chi2 on a numeric column is computed on its histogram bins (the same fixed edges as PSI).
"""

from __future__ import annotations

from telltale.config.models import ModelConfig
from telltale.config.monitors import ColumnsMixin, DataDriftMonitor, MonitorBase
from telltale.config.problems import did_you_mean, one_of
from telltale.core.fields import FIELD_GROUPS, Field

_SINGULAR = {"features": "a feature", "raw_inputs": "a raw input", "predictions": "a prediction",
             "actuals": "an actual (label)"}


class ColumnError(ValueError):
    """A monitor names a column its model does not have, or one of the wrong kind."""


def takes_columns(monitor: MonitorBase) -> bool:
    """Whether this monitor type has a `columns` parameter."""
    return isinstance(monitor, ColumnsMixin)


def resolve_column(monitor: MonitorBase, model: ModelConfig, model_name: str, name: str) -> Field:
    """The field a `columns` entry names; ColumnError with a did-you-mean if there is none."""
    type_name = monitor.type_name
    group, dot, bare = name.partition(".")
    if dot and group in FIELD_GROUPS:
        if group not in monitor.qualified_groups:
            raise ColumnError(f"{type_name} monitors do not look at {group}; "
                              f"use a column from {one_of(monitor.qualified_groups)}")
        ref = model.field(name, monitor.qualified_groups)
        if ref is None:
            names = list(model.group(group))  # type: ignore[arg-type]
            raise ColumnError(f"model {model_name} has no {group} field '{bare}'"
                              f"{did_you_mean(bare, names)}; its {group} are {one_of(names)}")
        return ref
    found = [r for r in model.fields(*monitor.column_groups) if r.name == name]
    if len(found) > 1:
        raise ColumnError(f"'{name}' is ambiguous in model {model_name}; write "
                          f"{one_of(r.qualified for r in found)}")
    if found:
        return found[0]
    elsewhere = [r for r in model.fields() if r.name == name]
    if elsewhere:
        ref = elsewhere[0]
        if ref.group in monitor.qualified_groups:
            expected = _SINGULAR[monitor.column_groups[0]]
            raise ColumnError(f"'{name}' is {_SINGULAR[ref.group]}, not {expected}; write {ref.qualified}")
        extra = "; use prediction_drift for predictions" if isinstance(monitor, DataDriftMonitor) \
            and ref.group == "predictions" else ""
        raise ColumnError(f"'{name}' is {_SINGULAR[ref.group]} of model {model_name}, and "
                          f"{type_name} monitors look at {one_of(monitor.qualified_groups)}{extra}")
    names = [r.name for r in model.fields(*monitor.column_groups)]
    hint = did_you_mean(name, names + [r.qualified for r in model.fields(*monitor.qualified_groups)])
    groups = one_of(monitor.column_groups)
    listing = one_of(names) if names else "(none)"
    raise ColumnError(f"model {model_name} has no field '{name}'{hint}; its {groups} are {listing}")


def kind_error(monitor: MonitorBase, ref: Field) -> str | None:
    """Why a field's kind does not fit the monitor, or None if it fits (each type says)."""
    return monitor.kind_error(ref) if isinstance(monitor, ColumnsMixin) else None


def default_columns(monitor: MonitorBase, model: ModelConfig) -> list[Field]:
    """The columns a monitor looks at when it lists none (see the module table)."""
    groups = monitor.default_groups if isinstance(monitor, ColumnsMixin) else None
    pool = model.fields(*(groups or monitor.column_groups))
    return [r for r in pool if kind_error(monitor, r) is None]


def monitor_columns(monitor: MonitorBase, model: ModelConfig, model_name: str) -> list[Field]:
    """The fields a monitor looks at: its `columns`, or the default ones; [] for model-level types."""
    if not isinstance(monitor, ColumnsMixin):
        return []
    columns = monitor.columns
    if columns is None:
        return default_columns(monitor, model)
    out = []
    for name in columns:
        ref = resolve_column(monitor, model, model_name, name)
        problem = kind_error(monitor, ref)
        if problem:
            raise ColumnError(problem)
        out.append(ref)
    return out
