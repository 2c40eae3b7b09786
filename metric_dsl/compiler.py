"""Metric -> CompiledMetric: mergeable partials pushed down + a final tree evaluated in Python."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from telltale.metric_dsl import ast, final
from telltale.metric_dsl.aggregates import labelled_condition
from telltale.metric_dsl.diagnostics import error_at
from telltale.metric_dsl.elaborate import Elaborator, Scope
from telltale.metric_dsl.final import Outcome
from telltale.metric_dsl.library import MetricLibrary, stdlib_library
from telltale.metric_dsl.limits import final_problem, sql_problem, too_large_message
from telltale.metric_dsl.parser import parse_expression
from telltale.metric_dsl.schema import ModelSchema
from telltale.metric_dsl.values import Agg, Const, Mask, Row, Value

from telltale.errors import DSLError
from telltale.core.partials import Partial, PartialValues


@dataclass(frozen=True)
class CompiledMetric:
    """A metric for one model: its partials (deduplicated) and its final expression."""

    name: str
    partials: tuple[Partial, ...]
    final: final.Final

    def evaluate(self, values: PartialValues) -> float | None:
        """The metric over merged partial values; None when undefined (e.g. division by zero)."""
        return self.final.evaluate(values)

    def explain(self, values: PartialValues) -> Outcome:
        """The value, or why there is none: null (no_data) or an error (overflow, domain)."""
        return self.final.explain(values)

    @property
    def columns(self) -> tuple[str, ...]:
        """The model relation's columns the partials read (sorted)."""
        from sqlglot import exp

        names: set[str] = set()
        for p in self.partials:
            for e in (p.expr, p.expr2, p.filter):
                if e is not None:
                    names.update(c.name for c in e.find_all(exp.Column))
        return tuple(sorted(names))


def all_partials(metrics: Iterable[CompiledMetric]) -> tuple[Partial, ...]:
    """The union of several metrics' partials, deduplicated by key (first-seen order)."""
    out: dict[str, Partial] = {}
    for m in metrics:
        for p in m.partials:
            out.setdefault(p.key, p)
    return tuple(out.values())


def _finish(name: str, v: Value, pos: ast.Pos, el: Elaborator) -> CompiledMetric:
    if isinstance(v, Agg):
        problem = final_problem(v.final)
        if problem:
            raise error_at(pos, too_large_message(f"metric {name}", problem))
        used = set(v.final.refs())
        partials = tuple(p for k, p in el.partials.items() if k in used)
        problem = sql_problem(e for p in partials for e in (p.expr, p.expr2, p.filter))
        if problem:
            raise error_at(pos, too_large_message(f"metric {name}", problem))
        return CompiledMetric(name, partials, v.final)
    if isinstance(v, Const) and v.kind == "number":
        return CompiledMetric(name, (), final.Const(v.value))
    if isinstance(v, Row):
        raise error_at(pos, f"metric {name} computes a value per row ({v.describe()}); a metric "
                            f"must aggregate it, e.g. mean({v.label}), sum({v.label}) or "
                            f"count({v.label})")
    if isinstance(v, Mask):
        raise error_at(pos, f"metric {name} is only a filter; count its rows with count([...])")
    raise error_at(pos, f"metric {name} must be a number, got {v.describe()}; write an aggregate "
                        "such as count() or mean(features.x), or a number")


def _scope(schema: ModelSchema, labelled: bool) -> Scope:
    """The outermost scope; `labelled`: every aggregate reads only rows that have a label."""
    cond = labelled_condition(schema) if labelled else None
    return Scope(filters=(cond,)) if cond is not None else Scope()


def compile_metric(library: MetricLibrary, name: str, schema: ModelSchema, *,
                   labelled: bool = False) -> CompiledMetric:
    """Compile a user metric or a built-in (with default arguments) for one model
    (`labelled`: over the rows that have a label, as performance_degradation asks)."""
    el = Elaborator(library, schema)
    d = library.user.get(name)
    if d is not None:
        pos = d.pos
    elif library.is_builtin(name):
        pos = ast.Pos("<metric>", 1, 1)
    else:
        from telltale.metric_dsl.checks import unknown_name_message

        raise DSLError(unknown_name_message(name, False, (), library.user, library.builtins),
                       file="<metric>", line=1, column=1)
    try:
        value = el.call(ast.Call(name, (), (), pos), _scope(schema, labelled), bare=True, top=True)
        return _finish(name, value, d.body.pos if d is not None else pos, el)
    except RecursionError:  # a last guard: the limits in parser.py and limits.py come first
        raise error_at(pos, too_large_message(f"metric {name}", "it nests too deeply to "
                                                              "compile")) from None


def compile_expression(text: str, schema: ModelSchema, *, source: str = "telltale.yml",
                       library: MetricLibrary | None = None, line: int = 1,
                       column: int = 1, labelled: bool = False) -> CompiledMetric:
    """Compile a metric written inline in the config (e.g. `f1`, `mean(features.age)`).

    `library` gives access to the user's metrics (`metric: approval_rate`); by default only
    built-ins are known. Built-in model metrics used without arguments take the model's
    first prediction and its first actual of a fitting kind. `line`/`column` say where the
    text starts in `source`, so errors point into telltale.yml. `labelled`: over the rows
    that have a label.
    """
    lib = library if library is not None else stdlib_library()
    padded = "\n" * max(line - 1, 0) + " " * max(column - 1, 0) + text
    node = parse_expression(padded, source)
    el = Elaborator(lib, schema)
    try:
        value = el.value(node, _scope(schema, labelled))
        return _finish(text.strip(), value, node.pos, el)
    except RecursionError:  # a last guard: the limits in parser.py and limits.py come first
        raise error_at(node.pos, too_large_message(f"metric {text.strip()[:40]}",
                                                   "it nests too deeply to compile")) from None
