"""A mapped field of a model: its group, the name used in DSL and results, the real column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlglot import exp

Kind = Literal["numeric", "categorical", "boolean"]
"""How a mapped field is summarised: histograms (numeric) or category counts."""

FieldGroup = Literal["features", "raw_inputs", "predictions", "actuals"]
FIELD_GROUPS: tuple[FieldGroup, ...] = ("features", "raw_inputs", "predictions", "actuals")


@dataclass(frozen=True)
class Field:
    """One mapped column of a model: `features.income` -> column `income`, numeric."""

    name: str
    group: FieldGroup
    column: str
    kind: Kind

    @property
    def qualified(self) -> str:
        """`features.income`: the name as the metric language writes it."""
        return f"{self.group}.{self.name}"

    @property
    def expr(self) -> exp.Column:
        """The column as a quoted sqlglot reference."""
        return exp.column(self.column, quoted=True)

    @property
    def is_numeric(self) -> bool:
        """Numeric fields get histograms; the rest get value counts."""
        return self.kind == "numeric"
