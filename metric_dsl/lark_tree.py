"""The lark side of the parser: the LALR parser and the tree -> syntax-tree builder.

`telltale.metric_dsl.parser` imports this module only when it parses, so a run that
parses nothing (the stdlib comes from its cache, monitors name no inline metric) does
not import lark (about 0.05 CPU s).
"""

from __future__ import annotations

import ast as pyast
import math
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import UnexpectedInput, VisitError
from telltale.metric_dsl import ast
from telltale.metric_dsl.parser import BALANCE_AT, MAX_INT, MAX_NESTING, nesting_message
from telltale.metric_dsl.syntax_errors import translate

from telltale.errors import DSLError

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")

# chain rule -> (family, operator); a rule's left operand may continue a chain of its family
_CHAIN_RULES: dict[str, tuple[str, str]] = {
    "add": ("+-", "+"), "sub": ("+-", "-"), "mul": ("*", "*"),
    "or_": ("or", "or"), "and_": ("and", "and"),
}
# rules that group or decorate without adding a level of nesting
_FLAT_RULES = {"start", "inline", "definition", "params", "param", "type_union", "items",
               "arguments", "keyword", "field_name"}


@lru_cache(maxsize=1)
def _lark() -> Lark:
    """The LALR parser (built once per process)."""
    return Lark(GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                start=["start", "inline"], propagate_positions=True, maybe_placeholders=True)


def build(text: str, path: str, start: str, builtin: bool) -> Any:
    """Parse `text` from rule `start` and build its syntax tree (a definitions list or an Expr)."""
    return _Builder(path, builtin).transform(_parse(text, path, start))


def _parse(text: str, path: str, start: str):
    try:
        return _lark().parse(text, start=start)
    except UnexpectedInput as e:
        raise translate(e, text, path, _lark()) from None


def _unquote_string(raw: str) -> str:
    """The value of a string literal; ValueError for an escape Python does not know."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # `"\d"` warns (invalid escape) but means backslash-d
        try:
            value = pyast.literal_eval(raw)
        except (SyntaxError, ValueError, MemoryError) as e:
            raise ValueError(str(getattr(e, "msg", None) or e)) from None
    return str(value)


def _number(raw: str) -> float | int:
    """The value of a numeric literal; ValueError when it does not fit."""
    if raw.isdigit():
        if len(raw.lstrip("0")) > len(str(MAX_INT)) or int(raw) > MAX_INT:
            raise ValueError(f"the whole number {_short(raw)} is too large (at most {MAX_INT}); "
                             "write it with an exponent, e.g. 1e30")
        return int(raw)
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"the number {_short(raw)} is too large (at most about 1.8e308)")
    return value


def _short(raw: str, limit: int = 24) -> str:
    return raw if len(raw) <= limit else raw[:limit] + "..."


@dataclass
class _Chain:
    """A flat chain `t0 op1 t1 op2 t2 ...` of one operator family, built up left to right."""

    family: str
    items: list[tuple[str, Any]]   # (operator before the term, term); items[0] has the family's own


@v_args(inline=True)
class _Builder(Transformer_NonRecursive):
    """lark tree -> frozen dataclasses, every node with its file:line:col.

    Built bottom-up without recursion. Each result's nesting level is tracked by id (the
    objects are kept alive in `_levels`, so ids are not reused during one build).
    """

    def __init__(self, path: str, builtin: bool) -> None:
        super().__init__()
        self.path = path
        self.builtin = builtin
        self._levels: dict[int, tuple[object, int]] = {}

    def transform(self, tree):  # type: ignore[override]
        try:
            result = super().transform(tree)
        except VisitError as e:  # a DSLError raised inside a callback
            if isinstance(e.orig_exc, DSLError):
                raise e.orig_exc from None
            raise
        finally:
            self._levels.clear()
        if isinstance(result, _Chain):  # pragma: no cover - `inline`/`definition` close chains
            result = self._close(result)
        return result

    # -- nesting and chains
    def _level(self, obj: object) -> int:
        if obj is None or isinstance(obj, Token):
            return 0
        if isinstance(obj, _Chain):
            return max(self._level(t) for _, t in obj.items)
        entry = self._levels.get(id(obj))
        return entry[1] if entry is not None and entry[0] is obj else 0

    def _set_level(self, obj: object, level: int, line: int, column: int) -> None:
        if level > MAX_NESTING:
            raise DSLError(nesting_message(), file=self.path, line=line, column=column)
        self._levels[id(obj)] = (obj, level)

    def _call_userfunc(self, tree, new_children=None):
        """Close finished chains, extend open ones, and check every result's nesting."""
        children = list(new_children if new_children is not None else tree.children)
        chain = _CHAIN_RULES.get(tree.data)
        for i, c in enumerate(children):
            if isinstance(c, _Chain) and not (i == 0 and chain is not None and c.family == chain[0]):
                children[i] = self._close(c)
        line, column = getattr(tree.meta, "line", 0) or 0, getattr(tree.meta, "column", 0) or 0
        if chain is not None:
            left, _op, right = children
            if isinstance(left, _Chain):
                left.items.append((chain[1], right))
                return left
            first = "+" if chain[0] == "+-" else chain[1]
            return _Chain(chain[0], [(first, left), (chain[1], right)])
        result = super()._call_userfunc(tree, children)
        inner = max((self._level(c) for c in children), default=0)
        level = inner if tree.data in _FLAT_RULES else inner + 1
        if not isinstance(result, (str, int, float)) and result is not None:
            self._set_level(result, level, line, column)
        return result

    def _close(self, chain: _Chain) -> Any:
        """The chain as a tree: left-nested when short, balanced when long."""
        items = chain.items
        if len(items) <= BALANCE_AT:
            node = items[0][1]
            for op, term in items[1:]:
                node = self._join(chain.family, op, node, term)
            return node
        return self._balanced(chain.family, items)

    def _balanced(self, family: str, items: list[tuple[str, Any]]) -> Any:
        """A balanced tree of `items` (recursion depth log2(n)).

        For + and -, `a - b + c` becomes `a - (b - c)`: the right half's signs flip when it
        follows a minus, so the value is the same.
        """
        if len(items) == 1:
            return items[0][1]
        mid = len(items) // 2
        left = self._balanced(family, items[:mid])
        op, first = items[mid]
        rest = items[mid + 1:]
        if family == "+-" and op == "-":
            rest = [("-" if o == "+" else "+", t) for o, t in rest]
        right = self._balanced(family, [("+" if family == "+-" else op, first)] + rest)
        return self._join(family, op, left, right)

    def _join(self, family: str, op: str, left: Any, right: Any) -> Any:
        node: Any
        if family in ("or", "and"):
            node = ast.BoolOp(op, left, right, left.pos)
        else:
            node = ast.BinOp(op, left, right, left.pos)
        self._set_level(node, max(self._level(left), self._level(right)) + 1,
                        left.pos.line, left.pos.column)
        return node

    def _pos(self, tok: Token) -> ast.Pos:
        return ast.Pos(self.path, tok.line or 0, tok.column or 0)

    def _invalid(self, tok: Token, message: str) -> DSLError:
        return DSLError(message, file=self.path, line=tok.line or 0, column=tok.column or 0)

    # -- files and definitions
    def start(self, *defs):
        return list(defs)

    def inline(self, expr):
        return expr

    def definition(self, kw, name, params, _eq, body):
        return ast.MetricDef(str(name), params, body, self._pos(kw), self.builtin)

    def params(self, *items):
        return tuple(p for p in items if isinstance(p, ast.Param))

    def param(self, name, _colon, kinds, _eq, default):
        return ast.Param(str(name), kinds, default, self._pos(name))

    def type_union(self, *items):
        return tuple(str(t) for t in items if isinstance(t, Token) and t.type == "NAME")

    # -- boolean logic (`or_`/`and_` chains are built by _call_userfunc)
    def not_(self, kw, operand):
        return ast.Not(operand, self._pos(kw))

    def compare(self, left, op, right):
        return ast.Compare(str(op), left, right, left.pos)

    def is_none(self, operand, _is, _none):
        return ast.IsNone(operand, False, operand.pos)

    def is_not_none(self, operand, _is, _not, _none):
        return ast.IsNone(operand, True, operand.pos)

    def in_(self, operand, _in, _l, items, _r):
        return ast.InList(operand, items, False, operand.pos)

    def not_in(self, operand, _not, _in, _l, items, _r):
        return ast.InList(operand, items, True, operand.pos)

    def items(self, *children):
        return tuple(c for c in children if not isinstance(c, Token) and c is not None)

    # -- arithmetic
    def _bin(self, op: str, left, right):
        return ast.BinOp(op, left, right, left.pos)

    # (`add`/`sub`/`mul` chains are built by _call_userfunc)
    def div(self, left, _op, right):
        return self._bin("/", left, right)

    def pow(self, left, _op, right):
        return self._bin("**", left, right)

    def neg(self, op, operand):
        if isinstance(operand, ast.Number):
            return ast.Number(-operand.value, self._pos(op))
        return ast.Neg(operand, self._pos(op))

    def pos(self, _op, operand):
        return operand

    def filtered(self, target, _l, condition, _r):
        return ast.Filtered(target, condition, target.pos)

    # -- atoms
    def number(self, tok):
        try:
            return ast.Number(_number(str(tok)), self._pos(tok))
        except ValueError as e:
            raise self._invalid(tok, str(e)) from None

    def string(self, tok):
        try:
            return ast.String(_unquote_string(str(tok)), self._pos(tok))
        except ValueError as e:
            raise self._invalid(tok, f"invalid string {_short(str(tok))}: {e}; write a backslash "
                                     "as \\\\ and use only the escapes \\n \\t \\\" \\' \\\\") from None

    def true(self, tok):
        return ast.Bool(True, self._pos(tok))

    def false(self, tok):
        return ast.Bool(False, self._pos(tok))

    def none(self, tok):
        return ast.NoneLit(self._pos(tok))

    def field(self, group, _dot, name):
        return ast.Field(str(group), name, self._pos(group))

    def field_name(self, tok):
        raw = str(tok)
        return raw[1:-1] if raw.startswith("`") else raw

    def name(self, tok):
        return ast.Name(str(tok), self._pos(tok))

    def call(self, name, _l, arguments, _r):
        args: list[ast.Expr] = []
        keywords: list[ast.Keyword] = []
        late: ast.Pos | None = None
        for a in arguments or ():
            if isinstance(a, ast.Keyword):
                keywords.append(a)
            else:
                if keywords and late is None:
                    late = a.pos
                args.append(a)
        return ast.Call(str(name), tuple(args), tuple(keywords), self._pos(name), late)

    def arguments(self, *children):
        return [c for c in children if not isinstance(c, Token) and c is not None]

    def keyword(self, name, _eq, value):
        return ast.Keyword(str(name), value, self._pos(name))

    def row_filter(self, bracket, condition, _r):
        return ast.RowFilter(condition, self._pos(bracket))

    def group(self, _l, expr, _r):
        return expr
