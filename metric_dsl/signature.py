"""Function signatures shared by Python built-ins and metrics defined in the language.

A parameter accepts values of some *kinds* (the same words serve as annotations in
`*.metric` files, e.g. `metric mean(x: numeric) = ...`):

=============  ==========================================================
kind           accepts
=============  ==========================================================
numeric        a numeric field or per-row expression, or a number
boolean        a boolean field or a condition, or True/False
categorical    a categorical field
any            any field or per-row expression
number         a number constant (e.g. `threshold=0.7`)
string         a string constant (e.g. `average="macro"`)
label          a class label constant (string, number or boolean)
condition      a condition (`features.age > 30`) or a bare `[condition]`
aggregate      an aggregate such as `sum(...)`, or a number
value          anything
=============  ==========================================================

A default may be a constant or one of the markers `prediction` / `actual`: the model's
first prediction / actual whose kind is listed in the annotation (in that order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telltale.metric_dsl.values import Agg, Const, Mask, Row, Value

KINDS = ("numeric", "boolean", "categorical", "any", "number", "string", "label", "condition",
         "aggregate", "value")
ROW_PARAM_KINDS = ("numeric", "boolean", "categorical", "any")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class DefaultField:
    """A default that is the model's first prediction or actual of a matching kind."""

    group: str      # "predictions" | "actuals"

    def __str__(self) -> str:
        return "prediction" if self.group == "predictions" else "actual"


DEFAULT_MARKERS = {"prediction": DefaultField("predictions"), "actual": DefaultField("actuals")}


@dataclass(frozen=True)
class ParamSig:
    """One parameter: name, accepted kinds (in order of preference) and default."""

    name: str
    kinds: tuple[str, ...] = ("value",)
    default: Any = REQUIRED

    @property
    def required(self) -> bool:
        """True when the caller must pass it."""
        return self.default is REQUIRED


@dataclass(frozen=True)
class Signature:
    """A callable's name and parameters; `filterable` adds the implicit `filter=` keyword."""

    name: str
    params: tuple[ParamSig, ...]
    filterable: bool = True

    def param_names(self) -> list[str]:
        """Every keyword this signature accepts."""
        return [p.name for p in self.params] + (["filter"] if self.filterable else [])

    def usage(self) -> str:
        """`name(a, b, c=0.5)` for messages."""
        parts = []
        for p in self.params:
            if p.required:
                parts.append(p.name)
            elif isinstance(p.default, DefaultField):
                parts.append(f"{p.name}={p.default}")
            else:
                parts.append(f"{p.name}={p.default!r}")
        return f"{self.name}({', '.join(parts)})"

    def all_defaulted(self) -> bool:
        """True when it can be called with no arguments."""
        return all(not p.required for p in self.params)


KIND_WORDS = {
    "numeric": "a numeric field or expression",
    "boolean": "a boolean field or condition",
    "categorical": "a categorical field",
    "any": "a field or per-row expression",
    "number": "a number constant",
    "string": "a string constant",
    "label": "a class label (a string or number constant)",
    "condition": "a condition such as features.age > 30",
    "aggregate": "an aggregate such as sum(...) or a number",
    "value": "a value",
}


def describe_kinds(kinds: tuple[str, ...]) -> str:
    """`a numeric field or expression or a boolean field or condition`, shortened."""
    row = [k for k in kinds if k in ("numeric", "boolean", "categorical")]
    if len(row) > 1 and set(kinds) <= set(row):
        return "a " + " or ".join(row) + " field"
    words = [KIND_WORDS[k] for k in kinds]
    return " or ".join(words)


def accepts(kind: str, value: Value) -> bool:
    """True when `value` is acceptable for a parameter of `kind`."""
    if kind == "value":
        return True
    if isinstance(value, Row):
        if kind == "any":
            return True
        if kind == "condition":
            return value.kind == "boolean"
        return kind == value.kind
    if isinstance(value, Const):
        return {
            "numeric": value.kind == "number",
            "boolean": value.kind == "boolean",
            "number": value.kind == "number",
            "string": value.kind == "string",
            "label": value.kind in ("string", "number", "boolean"),
            "condition": value.kind == "boolean",
            "aggregate": value.kind == "number",
        }.get(kind, False)
    if isinstance(value, Mask):
        return kind == "condition"
    if isinstance(value, Agg):
        return kind == "aggregate"
    return False


def accepts_any(kinds: tuple[str, ...], value: Value) -> bool:
    """True when `value` fits one of `kinds`."""
    return any(accepts(k, value) for k in kinds)
