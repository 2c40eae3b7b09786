"""Source text -> syntax tree, with the lark LALR parser built from grammar.lark."""

from __future__ import annotations

import ast as pyast
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedInput, VisitError
from telltale.metric_dsl import ast
from telltale.metric_dsl.syntax_errors import translate

from telltale.errors import DSLError

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")


@lru_cache(maxsize=1)
def _lark() -> Lark:
    """The LALR parser (built once per process)."""
    return Lark(GRAMMAR_PATH.read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                start=["start", "inline"], propagate_positions=True, maybe_placeholders=True)


def parse_file(text: str, path: str = "<metric>", *, builtin: bool = False) -> ast.MetricFile:
    """Parse a whole `*.metric` source into a MetricFile (DSLError on a syntax error)."""
    tree = _parse(text, path, "start")
    defs = _Builder(path, builtin).transform(tree)
    return ast.MetricFile(path, tuple(defs))


def parse_expression(text: str, source: str = "<expression>") -> ast.Expr:
    """Parse one metric expression (a metric written inline in telltale.yml)."""
    tree = _parse(text, source, "inline")
    return _Builder(source, False).transform(tree)


def _parse(text: str, path: str, start: str):
    try:
        return _lark().parse(text, start=start)
    except UnexpectedInput as e:
        raise translate(e, text, path, _lark()) from None


def _unquote_string(raw: str) -> str:
    return pyast.literal_eval(raw)


def _number(raw: str) -> float | int:
    if raw.isdigit():
        return int(raw)
    return float(raw)


@v_args(inline=True)
class _Builder(Transformer):
    """lark tree -> frozen dataclasses, every node with its file:line:col."""

    def __init__(self, path: str, builtin: bool) -> None:
        super().__init__()
        self.path = path
        self.builtin = builtin

    def transform(self, tree):  # type: ignore[override]
        try:
            return super().transform(tree)
        except VisitError as e:  # a DSLError raised inside a callback
            if isinstance(e.orig_exc, DSLError):
                raise e.orig_exc from None
            raise

    def _pos(self, tok: Token) -> ast.Pos:
        return ast.Pos(self.path, tok.line or 0, tok.column or 0)

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

    # -- boolean logic
    def or_(self, left, _op, right):
        return ast.BoolOp("or", left, right, left.pos)

    def and_(self, left, _op, right):
        return ast.BoolOp("and", left, right, left.pos)

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

    def add(self, left, _op, right):
        return self._bin("+", left, right)

    def sub(self, left, _op, right):
        return self._bin("-", left, right)

    def mul(self, left, _op, right):
        return self._bin("*", left, right)

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
        return ast.Number(_number(str(tok)), self._pos(tok))

    def string(self, tok):
        return ast.String(_unquote_string(str(tok)), self._pos(tok))

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
