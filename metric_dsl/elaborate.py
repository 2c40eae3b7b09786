"""Syntax tree + model schema -> values (constants, per-row SQL, aggregates over partials).

This is the heart of the compiler. Calls to metrics written in the language are expanded
in place (arguments are compiled in the caller's scope, then bound to the parameters);
calls to Python built-ins go to their handler. Partials are collected, deduplicated by
key, in the order they are first created.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from sqlglot import exp
from telltale.metric_dsl import ast, final, sqlbuild
from telltale.metric_dsl.binding import bind
from telltale.metric_dsl.checks import (
    LITERAL_HINTS,
    comparison_problem,
    model_type_message,
    resolve_field,
    unknown_name_message,
)
from telltale.metric_dsl.diagnostics import error_at
from telltale.metric_dsl.library import Impl, MetricLibrary, def_signature
from telltale.metric_dsl.limits import (
    MAX_COMPILE_DEPTH,
    too_large_message,
    value_problem,
)
from telltale.metric_dsl.schema import ModelSchema
from telltale.metric_dsl.signature import (
    ROW_PARAM_KINDS,
    DefaultField,
    ParamSig,
    Signature,
    accepts_any,
    describe_kinds,
)
from telltale.metric_dsl.values import Agg, Const, Mask, Row, Value, const_kind

from telltale.errors import DSLError
from telltale.core.partials import Partial, PartialValues

@dataclass(frozen=True)
class Frame:
    """The outermost call into a metric written in the language (for error locations)."""

    name: str
    call_pos: ast.Pos
    builtin: bool


@dataclass(frozen=True)
class Scope:
    """Parameters in scope, the enclosing `filter=` conditions, and the call frame."""

    params: Mapping[str, Value] = field(default_factory=dict)
    filters: tuple[exp.Expression, ...] = ()
    frame: Frame | None = None


@dataclass
class _Ctx:
    """CallContext handed to Python built-ins."""

    name: str
    schema: ModelSchema
    filters: tuple[exp.Expression, ...]
    compiler: Elaborator
    pos: ast.Pos
    scope: Scope

    def fail(self, message: str) -> NoReturn:
        """Raise at the call."""
        self.compiler.fail(self.pos, message, self.scope)

    def add(self, partial: Partial) -> Partial:
        """Register a partial."""
        return self.compiler.add(partial)


class Elaborator:
    """Compiles expressions of one library for one model; collects their partials."""

    def __init__(self, library: MetricLibrary, schema: ModelSchema) -> None:
        self.library = library
        self.schema = schema
        self.partials: dict[str, Partial] = {}
        self._active = 0   # how deep value() is, counting the metrics being expanded

    # ------------------------------------------------------------ plumbing
    def add(self, partial: Partial) -> Partial:
        """Register a partial (deduplicated by key) and return the stored one."""
        return self.partials.setdefault(partial.key, partial)

    def fail(self, pos: ast.Pos, message: str, scope: Scope) -> NoReturn:
        """Raise a DSLError; inside a built-in, at the user's call site."""
        f = scope.frame
        if f is not None and f.builtin:
            raise error_at(f.call_pos, f"in {f.name}(): {message}")
        if f is not None:
            raise error_at(pos, f"{message} (in {f.name}() called at {f.call_pos})")
        raise error_at(pos, message)

    def _relocate(self, e: DSLError, scope: Scope) -> NoReturn:
        f = scope.frame
        if f is not None and f.builtin:
            raise error_at(f.call_pos, f"in {f.name}(): {e.bare_message}") from None
        raise e

    # ------------------------------------------------------------ expressions
    def value(self, node: ast.Expr, scope: Scope) -> Value:
        """The compile-time value of an expression (bounded depth, counting expanded metrics)."""
        if self._active >= MAX_COMPILE_DEPTH:
            self.fail(node.pos, f"expression nested deeper than {MAX_COMPILE_DEPTH} levels, counting "
                                "the metrics it uses; split it or use fewer nested metrics", scope)
        self._active += 1
        try:
            return self._value(node, scope)
        finally:
            self._active -= 1

    def _value(self, node: ast.Expr, scope: Scope) -> Value:
        if isinstance(node, ast.Number):
            return Const(node.value, "number")
        if isinstance(node, ast.String):
            return Const(node.value, "string")
        if isinstance(node, ast.Bool):
            return Const(node.value, "boolean")
        if isinstance(node, ast.NoneLit):
            return Const(None, "none")
        if isinstance(node, ast.Field):
            return self.field(node, scope)
        if isinstance(node, ast.Name):
            return self.name(node, scope)
        if isinstance(node, ast.Call):
            return self.call(node, scope)
        if isinstance(node, ast.Filtered):
            return self.filtered(node, scope)
        if isinstance(node, ast.RowFilter):
            return Mask(self.condition(node.condition, scope))
        if isinstance(node, ast.BinOp):
            return self.arith(node, scope)
        if isinstance(node, ast.Neg):
            return self.neg(node, scope)
        if isinstance(node, ast.Compare):
            return self.compare(node, scope)
        if isinstance(node, ast.IsNone):
            return self.is_none(node, scope)
        if isinstance(node, ast.InList):
            return self.in_list(node, scope)
        if isinstance(node, (ast.BoolOp, ast.Not)):
            return self.logic(node, scope)
        raise TypeError(f"unknown node {type(node).__name__}")  # pragma: no cover

    def field(self, node: ast.Field, scope: Scope) -> Row:
        """A field reference: a quoted column of the model relation."""
        try:
            info = resolve_field(node, self.schema)
        except DSLError as e:
            self._relocate(e, scope)
        return Row(exp.column(info.column, quoted=True), info.kind, (), node.text, info)

    def filtered(self, node: ast.Filtered, scope: Scope) -> Row:
        """`x[cond]`: x with cond added to the filters of the aggregate around it."""
        target = self.value(node.target, scope)
        if isinstance(target, Agg):
            self.fail(node.pos, f"a filter [...] cannot follow {target.describe()}; put it on the "
                                "field inside, e.g. sum(features.x[features.y > 3])", scope)
        if not isinstance(target, Row):
            self.fail(node.pos, f"a filter [...] must follow a field, e.g. features.x[...], not "
                                f"{target.describe()}", scope)
        conds = self.condition(node.condition, scope)
        return Row(target.sql, target.kind, target.filters + conds, f"{target.label}[...]", target.field)

    def condition(self, node: ast.Expr, scope: Scope) -> tuple[exp.Expression, ...]:
        """A condition as filters to AND (hoisted inner filters first)."""
        v = self.value(node, scope)
        return self.as_condition(v, node.pos, scope)

    def as_condition(self, v: Value, pos: ast.Pos, scope: Scope) -> tuple[exp.Expression, ...]:
        """The filters a condition value stands for."""
        if isinstance(v, Mask):
            return v.filters
        if isinstance(v, Const) and v.kind == "boolean":
            return () if v.value else (sqlbuild.literal(False),)
        if isinstance(v, Row) and v.kind == "boolean":
            return v.filters + (v.sql,)
        hint = ""
        if isinstance(v, Row):
            hint = f", e.g. {v.label} > 0" if v.kind == "numeric" else f", e.g. {v.label} == \"a\""
        self.fail(pos, f"a condition is expected here (a comparison such as features.age > 30, a "
                       f"boolean field, and/or/not), got {v.describe()}{hint}", scope)

    # ------------------------------------------------------------ names and calls
    def _user(self, scope: Scope) -> Mapping[str, ast.MetricDef]:
        """The user's metrics visible in `scope`: none inside a built-in's body, so that a
        user file can never change what a built-in means."""
        if scope.frame is not None and scope.frame.builtin:
            return {}
        return self.library.user

    def name(self, node: ast.Name, scope: Scope) -> Value:
        """A parameter, a metric defined earlier, or a built-in used without ()."""
        if node.name in scope.params:
            return scope.params[node.name]
        if node.name in self._user(scope) or node.name in self.library.builtins:
            return self.call(ast.Call(node.name, (), (), node.pos), scope, bare=True)
        if node.name in LITERAL_HINTS:
            self.fail(node.pos, f"unknown name {node.name}; write {LITERAL_HINTS[node.name]}", scope)
        self.fail(node.pos, unknown_name_message(node.name, False, scope.params, self.library.user,
                                                 self.library.builtins), scope)

    def _target(self, node: ast.Call, scope: Scope) -> tuple[Signature, Impl | None, ast.MetricDef | None]:
        if node.name in scope.params:
            self.fail(node.pos, f"{node.name} is a parameter, not a function; write it without "
                                "parentheses", scope)
        user = self._user(scope).get(node.name)
        if user is not None:
            return def_signature(user), None, user
        impls = self.library.builtins.get(node.name)
        if not impls:
            self.fail(node.pos, unknown_name_message(node.name, True, (), self.library.user,
                                                     self.library.builtins), scope)
        impl = self.library.impl_for(node.name, self.schema.model_type)
        if impl is None:
            self.fail(node.pos, model_type_message(node.name, impls, self.schema, self.library), scope)
        return impl.signature, impl, impl.definition

    def call(self, node: ast.Call, scope: Scope, *, bare: bool = False, top: bool = False) -> Value:
        """A call: arguments bound and checked, then expanded (language) or handled (Python).

        `top` marks the metric being compiled itself: errors in its body keep their place.
        """
        sig, impl, definition = self._target(node, scope)
        if bare and not sig.all_defaulted():
            missing = [p.name for p in sig.params if p.required]
            self.fail(node.pos, f"{node.name} needs arguments ({', '.join(missing)}); write "
                                f"{sig.usage()}", scope)
        try:
            bound = bind(node, sig)
        except DSLError as e:
            self._relocate(e, scope)
        args: dict[str, Value] = {}
        for p in sig.params:
            if p.name in bound.args:
                arg = bound.args[p.name]
                args[p.name] = self._checked_arg(sig, p, self.value(arg, scope), arg.pos, scope)
            else:
                args[p.name] = self._default(sig, p, node.pos, scope)
        filters = scope.filters
        if bound.filter is not None:
            filters = filters + self.condition(bound.filter, scope)
        if impl is not None and impl.spec is not None:
            ctx = _Ctx(node.name, self.schema, filters, self, node.pos, scope)
            return self._bounded(impl.spec.handler(ctx, args), node, scope)
        assert definition is not None
        frame = scope.frame
        if definition.builtin and (frame is None or not frame.builtin):
            frame = Frame(definition.name, node.pos, True)
        elif frame is None and not top:
            frame = Frame(definition.name, node.pos, False)
        inner = Scope(args, filters, frame)
        result = self._bounded(self.value(definition.body, inner), node, scope)
        if isinstance(result, Agg):
            return Agg(result.final, f"{node.name}(...)")
        return result

    def _bounded(self, result: Value, node: ast.Call, scope: Scope) -> Value:
        """The result of a call, unless it grew too deep or too large to run.

        Checked after every call: repeated arguments (`clip`, `if`, a parameter used twice)
        can double a tree at each level of nesting.
        """
        problem = value_problem(result)
        if problem:
            self.fail(node.pos, too_large_message(f"{node.name}(...)", problem), scope)
        return result

    def _checked_arg(self, sig: Signature, p: ParamSig, v: Value, pos: ast.Pos, scope: Scope) -> Value:
        if accepts_any(p.kinds, v):
            return v
        if isinstance(v, Const) and v.kind == "none" and p.default is None:
            return v
        hint = ""
        rows = tuple(k for k in p.kinds if k in ("numeric", "boolean", "categorical"))
        if rows and isinstance(v, Row) and v.field is not None:
            group = p.default.group if isinstance(p.default, DefaultField) else v.label.split(".", 1)[0]
            found = self.schema.first(group, rows)
            if found is not None:
                hint = f"; pass e.g. {ast.Field(group, found[0], pos).text}"
        self.fail(pos, f"{sig.name}(): argument {p.name} must be {describe_kinds(p.kinds)}, got "
                       f"{v.describe()}{hint}", scope)

    def _default(self, sig: Signature, p: ParamSig, pos: ast.Pos, scope: Scope) -> Value:
        if not isinstance(p.default, DefaultField):
            return Const(p.default, const_kind(p.default))
        group = p.default.group
        kinds = tuple(k for k in p.kinds if k in ROW_PARAM_KINDS and k != "any") or (
            "boolean", "categorical", "numeric")
        found = self.schema.first(group, kinds)
        if found is None:
            what = "prediction" if group == "predictions" else "actual"
            self.fail(pos, f"{sig.name}() needs {p.name}: the model has no {' or '.join(kinds)} "
                           f"{what}; pass it explicitly: {sig.usage()}", scope)
        name, info = found
        label = ast.Field(group, name, pos).text
        return Row(exp.column(info.column, quoted=True), info.kind, (), label, info)

    # ------------------------------------------------------------ arithmetic
    def _numeric(self, v: Value, pos: ast.Pos, op: str, scope: Scope) -> Value:
        if isinstance(v, Const) and v.kind == "number":
            return v
        if isinstance(v, Row) and v.kind == "numeric":
            return v
        if isinstance(v, Agg):
            return v
        if isinstance(v, Mask) or (isinstance(v, Row) and v.kind == "boolean"):
            hint = "; conditions go inside a filter [...], e.g. count([features.x > 3])"
        else:
            hint = "; arithmetic works on numeric fields, numbers and aggregates such as count()"
        self.fail(pos, f"{op} needs numbers, got {v.describe()}{hint}", scope)

    def _mix(self, a: Value, b: Value, pos: ast.Pos, scope: Scope) -> None:
        if isinstance(a, Row) and isinstance(b, Agg) or isinstance(a, Agg) and isinstance(b, Row):
            row = a if isinstance(a, Row) else b
            agg = b if row is a else a
            self.fail(pos, f"cannot combine a per-row value ({row.describe()}) with an aggregate "
                           f"({agg.describe()}); aggregate it first, e.g. mean({row.label}) or "
                           f"sum({row.label})", scope)

    def arith(self, node: ast.BinOp, scope: Scope) -> Value:
        """+ - * / ** on constants (folded), rows (SQL) or aggregates (final tree)."""
        a = self._numeric(self.value(node.left, scope), node.left.pos, node.op, scope)
        b = self._numeric(self.value(node.right, scope), node.right.pos, node.op, scope)
        self._mix(a, b, node.pos, scope)
        if isinstance(a, Const) and isinstance(b, Const):
            out = final.Binary(node.op, final.Const(a.value), final.Const(b.value)).explain(PartialValues({}))
            r = out.value
            if r is None:
                self.fail(node.pos, f"{a.value} {node.op} {b.value} is undefined ({out.reason}); "
                                    "change the constants", scope)
            return Const(int(r) if isinstance(a.value, int) and isinstance(b.value, int)
                         and node.op in "+-*" and float(r).is_integer() else r, "number")
        if isinstance(a, Agg) or isinstance(b, Agg):
            return Agg(final.Binary(node.op, _final(a), _final(b)))
        ra, rb = _as_row(a), _as_row(b)
        return Row(sqlbuild.arith(node.op, ra.sql, rb.sql), "numeric", ra.filters + rb.filters,
                   f"{ra.label} {node.op} {rb.label}")

    def neg(self, node: ast.Neg, scope: Scope) -> Value:
        """Unary minus."""
        v = self._numeric(self.value(node.operand, scope), node.pos, "-", scope)
        if isinstance(v, Const):
            return Const(-v.value, "number")
        if isinstance(v, Agg):
            return Agg(final.Neg(v.final), v.label)
        assert isinstance(v, Row)
        return Row(sqlbuild.negate(v.sql), "numeric", v.filters, f"-{v.label}")

    # ------------------------------------------------------------ conditions
    def _cond_operand(self, v: Value, pos: ast.Pos, what: str, scope: Scope) -> Value:
        if isinstance(v, Agg):
            self.fail(pos, f"{what} combine conditions inside a filter [...]; {v.describe()} is "
                           "not a condition", scope)
        if isinstance(v, Mask):
            self.fail(pos, f"{what} combine conditions; write them inside one filter: "
                           "[a > 1 and b < 2]", scope)
        return v

    def compare(self, node: ast.Compare, scope: Scope) -> Value:
        """== != < <= > >= between rows and constants (checked for compatible kinds)."""
        a = self.value(node.left, scope)
        b = self.value(node.right, scope)
        problem = comparison_problem(node.op, a, b)
        if problem:
            self.fail(node.pos, problem, scope)
        if isinstance(a, Const) and isinstance(b, Const):
            if a.kind != b.kind:
                self.fail(node.pos, f"cannot compare {a.describe()} with {b.describe()}; compare "
                                    "a field with a constant, e.g. features.x > 3", scope)
            return Const(_const_compare(node.op, a.value, b.value), "boolean")
        assert isinstance(a, (Row, Const)) and isinstance(b, (Row, Const))
        filters = tuple(f for v in (a, b) if isinstance(v, Row) for f in v.filters)
        row, other = (a, b) if isinstance(a, Row) else (b, a)
        if isinstance(row, Row) and row.kind == "boolean" and isinstance(other, Const) and node.op in ("==", "!="):
            want = bool(other.value) == (node.op == "==")
            sql = row.sql.copy() if want else sqlbuild.not_(row.sql)
            return Row(sql, "boolean", filters, f"{row.label} {node.op} {other.value}")
        text = row.kind == "categorical" and isinstance(other, Const) and other.kind == "number"
        sql = sqlbuild.compare(node.op, _operand_sql(a, text), _operand_sql(b, text))
        return Row(sql, "boolean", filters, f"{_label(a)} {node.op} {_label(b)}")

    def is_none(self, node: ast.IsNone, scope: Scope) -> Value:
        """`x is None` / `x is not None`."""
        v = self.value(node.operand, scope)
        if isinstance(v, Const):
            return Const((v.value is None) != node.negated, "boolean")
        if not isinstance(v, Row):
            self.fail(node.pos, f"`is None` tests a field, e.g. features.x is None; got "
                                f"{v.describe()}", scope)
        word = "is not None" if node.negated else "is None"
        return Row(sqlbuild.is_null(v.sql, node.negated), "boolean", v.filters, f"{v.label} {word}")

    def in_list(self, node: ast.InList, scope: Scope) -> Value:
        """`x in (a, b)` / `x not in (a, b)` against constants."""
        v = self.value(node.operand, scope)
        items: list[Const] = []
        for item in node.items:
            c = self.value(item, scope)
            if not isinstance(c, Const):
                self.fail(item.pos, "the list of `in (...)` holds constants only, e.g. "
                                    "features.region in (\"EU\", \"US\")", scope)
            problem = comparison_problem("==", v, c)
            if problem:
                self.fail(item.pos, problem, scope)
            items.append(c)
        if isinstance(v, Const):
            return Const((v.value in [c.value for c in items]) != node.negated, "boolean")
        assert isinstance(v, Row)
        text = v.kind == "categorical" and any(c.kind == "number" for c in items)
        values = [sqlbuild.number_text(c.value) if text and c.kind == "number" else c.value
                  for c in items]
        return Row(sqlbuild.in_list(_operand_sql(v, text), values, node.negated), "boolean",
                   v.filters, f"{v.label} in (...)")

    def logic(self, node: ast.BoolOp | ast.Not, scope: Scope) -> Value:
        """and / or / not over conditions (constants folded)."""
        if isinstance(node, ast.Not):
            v = self._cond_operand(self.value(node.operand, scope), node.pos, "not and or", scope)
            self.as_condition(v, node.operand.pos, scope)  # kind check
            if isinstance(v, Const):
                return Const(not v.value, "boolean")
            assert isinstance(v, Row)
            return Row(sqlbuild.not_(v.sql), "boolean", v.filters, f"not {v.label}")
        a = self._cond_operand(self.value(node.left, scope), node.left.pos, "and/or", scope)
        b = self._cond_operand(self.value(node.right, scope), node.right.pos, "and/or", scope)
        self.as_condition(a, node.left.pos, scope)
        self.as_condition(b, node.right.pos, scope)
        is_and = node.op == "and"
        for x, y in ((a, b), (b, a)):
            if isinstance(x, Const):
                if bool(x.value) == is_and:   # True and y -> y ; False or y -> y
                    return y
                return Const(not is_and, "boolean")
        assert isinstance(a, Row) and isinstance(b, Row)
        sql = sqlbuild.and_(a.sql, b.sql) if is_and else sqlbuild.or_(a.sql, b.sql)
        return Row(sql, "boolean", a.filters + b.filters, f"{a.label} {node.op} {b.label}")


def _const_compare(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])


def _operand_sql(v: Row | Const, text: bool) -> exp.Expression:
    """The SQL of a comparison's operand; with `text` (a categorical field compared with a
    number) the field and the number compare as text (see `sqlbuild.as_text`)."""
    if isinstance(v, Row):
        return sqlbuild.as_text(v.sql) if text else v.sql
    if text and v.kind == "number":
        return sqlbuild.literal(sqlbuild.number_text(v.value))
    return sqlbuild.literal(v.value)


def _label(v: Row | Const) -> str:
    return v.label if isinstance(v, Row) else repr(v.value)


def _final(v: Value) -> final.Final:
    if isinstance(v, Agg):
        return v.final
    assert isinstance(v, Const)
    return final.Const(v.value)


def _as_row(v: Value) -> Row:
    if isinstance(v, Row):
        return v
    assert isinstance(v, Const)
    return Row(sqlbuild.literal(v.value), "numeric", (), repr(v.value))
