"""The typed, immutable syntax tree of the metric language.

Every node is a frozen dataclass carrying `pos`, where it starts in the source. The
tree is what the parser produces and what the checks and the compiler read; nothing in
it depends on a model's schema.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pos:
    """A place in a source: file, 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


# ---------------------------------------------------------------- literals


@dataclass(frozen=True)
class Number:
    """A numeric constant (`2`, `0.5`, `1e-15`)."""

    value: float | int
    pos: Pos


@dataclass(frozen=True)
class String:
    """A string constant (`"EU"`)."""

    value: str
    pos: Pos


@dataclass(frozen=True)
class Bool:
    """`True` or `False`."""

    value: bool
    pos: Pos


@dataclass(frozen=True)
class NoneLit:
    """`None`."""

    pos: Pos


# ---------------------------------------------------------------- references


@dataclass(frozen=True)
class Field:
    """`group.name`, e.g. `features.income` or features.`annual premium`."""

    group: str
    name: str
    pos: Pos

    @property
    def text(self) -> str:
        """The field as the user would write it."""
        name = self.name if self.name.isidentifier() else f"`{self.name}`"
        return f"{self.group}.{name}"


@dataclass(frozen=True)
class Name:
    """A bare name: a parameter, a metric defined earlier, or a built-in without `()`."""

    name: str
    pos: Pos


@dataclass(frozen=True)
class Keyword:
    """A keyword argument `name=value` of a call."""

    name: str
    value: Expr
    pos: Pos


@dataclass(frozen=True)
class Call:
    """`name(args..., key=value...)`; `args` and `keywords` keep their source order."""

    name: str
    args: tuple[Expr, ...]
    keywords: tuple[Keyword, ...]
    pos: Pos
    positional_after_keyword: Pos | None = None


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filtered:
    """`target[condition]`: the condition narrows the rows of the aggregate using target."""

    target: Expr
    condition: Expr
    pos: Pos


@dataclass(frozen=True)
class RowFilter:
    """A bare `[condition]`, as in Aporia's `prediction_count([features.age > 30])`."""

    condition: Expr
    pos: Pos


# ---------------------------------------------------------------- operators


@dataclass(frozen=True)
class BinOp:
    """Arithmetic: `op` is one of + - * / **."""

    op: str
    left: Expr
    right: Expr
    pos: Pos


@dataclass(frozen=True)
class Neg:
    """Unary minus."""

    operand: Expr
    pos: Pos


@dataclass(frozen=True)
class Compare:
    """A comparison: `op` is one of == != < <= > >=."""

    op: str
    left: Expr
    right: Expr
    pos: Pos


@dataclass(frozen=True)
class IsNone:
    """`x is None` (or `x is not None` when negated)."""

    operand: Expr
    negated: bool
    pos: Pos


@dataclass(frozen=True)
class InList:
    """`x in (a, b, ...)` (or `not in` when negated)."""

    operand: Expr
    items: tuple[Expr, ...]
    negated: bool
    pos: Pos


@dataclass(frozen=True)
class BoolOp:
    """`left and right` / `left or right`."""

    op: str
    left: Expr
    right: Expr
    pos: Pos


@dataclass(frozen=True)
class Not:
    """`not operand`."""

    operand: Expr
    pos: Pos


Expr = (Number | String | Bool | NoneLit | Field | Name | Call | Filtered | RowFilter | BinOp
        | Neg | Compare | IsNone | InList | BoolOp | Not)


# ---------------------------------------------------------------- definitions


@dataclass(frozen=True)
class Param:
    """A parameter of a parameterised metric: `name[: kind|kind][= default]`."""

    name: str
    kinds: tuple[str, ...] | None
    default: Expr | None
    pos: Pos


@dataclass(frozen=True)
class MetricDef:
    """`metric name(params) = body`; `params` is None for a plain metric."""

    name: str
    params: tuple[Param, ...] | None
    body: Expr
    pos: Pos
    builtin: bool = False

    @property
    def param_list(self) -> tuple[Param, ...]:
        """The parameters (empty for a plain metric)."""
        return self.params or ()


@dataclass(frozen=True)
class MetricFile:
    """One parsed `*.metric` source."""

    path: str
    definitions: tuple[MetricDef, ...]


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of a node, in source order."""
    if isinstance(node, Call):
        return tuple(node.args) + tuple(k.value for k in node.keywords)
    if isinstance(node, Filtered):
        return (node.target, node.condition)
    if isinstance(node, (RowFilter,)):
        return (node.condition,)
    if isinstance(node, (BinOp, Compare, BoolOp)):
        return (node.left, node.right)
    if isinstance(node, (Neg, Not, IsNone)):
        return (node.operand,)
    if isinstance(node, InList):
        return (node.operand,) + tuple(node.items)
    return ()


def walk(node: Expr):
    """Every node of an expression, parents before children, in source order (no recursion)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))
