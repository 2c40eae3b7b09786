"""What the compiler needs to know about a model: its type and its fields, by group."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

MODEL_TYPES = ("binary", "multiclass", "multilabel", "regression", "ranking")
GROUPS = ("features", "raw_inputs", "predictions", "actuals")
KINDS = ("numeric", "categorical", "boolean")


@dataclass(frozen=True)
class FieldInfo:
    """One mapped column: its name in the model relation and its kind."""

    column: str
    kind: str   # "numeric" | "categorical" | "boolean"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"field kind must be one of {', '.join(KINDS)}, got {self.kind!r}")


@dataclass(frozen=True)
class ModelSchema:
    """A model's type and fields: group -> field name -> FieldInfo (groups as in GROUPS)."""

    model_type: str   # binary | multiclass | multilabel | regression | ranking
    fields: Mapping[str, Mapping[str, FieldInfo]] = field(default_factory=dict)
    query_column: str | None = None   # ranking models: the column grouping one query's rows

    def __post_init__(self) -> None:
        if self.model_type not in MODEL_TYPES:
            raise ValueError(f"model type must be one of {', '.join(MODEL_TYPES)}, got {self.model_type!r}")
        unknown = set(self.fields) - set(GROUPS)
        if unknown:
            raise ValueError(f"unknown field groups {sorted(unknown)}; use {', '.join(GROUPS)}")
        frozen = {g: MappingProxyType(dict(v)) for g, v in self.fields.items()}
        object.__setattr__(self, "fields", MappingProxyType(frozen))

    def __hash__(self) -> int:
        return hash((self.model_type, self.query_column, tuple((g, tuple(sorted(f.items())))
                                            for g, f in sorted(self.fields.items()))))

    def group(self, name: str) -> Mapping[str, FieldInfo]:
        """The fields of one group (empty when the model has none)."""
        return self.fields.get(name, MappingProxyType({}))

    def first(self, group: str, kinds: Iterable[str]) -> tuple[str, FieldInfo] | None:
        """The first field of `group` whose kind is the earliest possible in `kinds`."""
        fields = self.group(group)
        for kind in kinds:
            for name, info in fields.items():
                if info.kind == kind:
                    return name, info
        return None

    @classmethod
    def from_kinds(cls, model_type: str, **groups: Mapping[str, str]) -> ModelSchema:
        """A schema whose columns are named like their fields: `features={"age": "numeric"}`."""
        return cls(model_type, {g: {n: FieldInfo(n, k) for n, k in fs.items()}
                                for g, fs in groups.items()})
