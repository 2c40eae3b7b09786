"""Bounds on what a metric compiles to, so that every later stage stays safe.

The parser bounds how deeply one expression nests (parser.MAX_NESTING). Metrics that use
other metrics, parameters used several times, and built-ins that repeat an argument
(`clip`, `greatest`, `if`) can still build SQL or final trees that are very deep or grow
exponentially; SQL generation and evaluation recurse over those trees. These functions
measure a compiled value without recursion and say why it is too large.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlglot import exp
from telltale.metric_dsl import final
from telltale.metric_dsl.values import Agg, Mask, Row, Value

# the deepest SQL expression a metric may compile to (parentheses not counted)
MAX_SQL_DEPTH = 100
# the most SQL nodes of one metric's per-row expression
MAX_SQL_NODES = 20_000
# the deepest / largest final tree (evaluated in Python over the merged partials)
MAX_FINAL_DEPTH = 100
MAX_FINAL_NODES = 50_000
# how deeply the compiler may descend, counting the metrics an expression uses
MAX_COMPILE_DEPTH = 200


def _final_children(node: final.Final) -> tuple[final.Final, ...]:
    if isinstance(node, final.Binary):
        return (node.left, node.right)
    if isinstance(node, final.Neg):
        return (node.operand,)
    if isinstance(node, final.Math):
        return node.args
    return ()


def sql_problem(trees: Iterable[exp.Expression | None]) -> str | None:
    """Why these SQL trees are too deep or too large (None when they are within bounds)."""
    nodes = 0
    for tree in trees:
        if tree is None:
            continue
        stack: list[tuple[exp.Expression, int]] = [(tree, 1)]
        while stack:
            node, depth = stack.pop()
            nodes += 1
            if nodes > MAX_SQL_NODES:
                return f"it compiles to more than {MAX_SQL_NODES} SQL terms"
            if depth > MAX_SQL_DEPTH:
                return f"it compiles to SQL nested deeper than {MAX_SQL_DEPTH} levels"
            for child in node.iter_expressions():
                stack.append((child, depth if isinstance(child, exp.Paren) else depth + 1))
    return None


def final_problem(tree: final.Final) -> str | None:
    """Why a final tree is too deep or too large (shared subtrees count every time they are used)."""
    nodes = 0
    stack: list[tuple[final.Final, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_FINAL_NODES:
            return f"its value is computed from more than {MAX_FINAL_NODES} terms"
        if depth > MAX_FINAL_DEPTH:
            return f"its value is computed by operations nested deeper than {MAX_FINAL_DEPTH} levels"
        stack.extend((child, depth + 1) for child in _final_children(node))
    return None


def _sql_of(value: Value) -> Iterator[exp.Expression]:
    if isinstance(value, Row):
        yield value.sql
        yield from value.filters
    elif isinstance(value, Mask):
        yield from value.filters


def value_problem(value: Value) -> str | None:
    """Why a compiled value is too deep or too large to run (None when it is fine)."""
    if isinstance(value, Agg):
        return final_problem(value.final)
    return sql_problem(_sql_of(value))


def too_large_message(what: str, problem: str) -> str:
    """The error for a metric or call that compiles to something too large."""
    return (f"{what} is too large to run: {problem} (counting the metrics and parameters it "
            "uses); split it into smaller metrics or use fewer nested calls")
