"""What a built-in function's handler sees when it is called during compilation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NoReturn, Protocol

from sqlglot import exp
from telltale.metric_dsl.schema import ModelSchema
from telltale.metric_dsl.values import Value

from telltale.core.partials import Partial


class CallContext(Protocol):
    """The call being compiled: its name, the model, the enclosing filters, a partial sink."""

    name: str
    schema: ModelSchema
    filters: tuple[exp.Expression, ...]

    def fail(self, message: str) -> NoReturn:
        """Raise a DSLError at the call (or at the user's call site inside a built-in)."""
        ...

    def add(self, partial: Partial) -> Partial:
        """Register a partial of the metric being compiled (deduplicated by key)."""
        ...


Handler = Callable[[CallContext, Mapping[str, Value]], Value]
