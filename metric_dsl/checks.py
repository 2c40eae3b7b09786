"""Semantic checks. Every message says what to write instead.

* schema-free checks of a set of definitions (`check_definitions`, run by load_library):
  duplicates and built-in names reused, parameters, unknown names and functions, unknown
  keywords, field groups, metrics used before they are defined, cycles;
* checks against a model (used by the compiler): unknown fields, comparisons of
  incompatible kinds, functions not available for the model type;
* `check_library`: every error of a library against one model, for `telltale validate`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from telltale.metric_dsl import ast
from telltale.metric_dsl.binding import check_keywords
from telltale.metric_dsl.diagnostics import closest, did_you_mean, error_at, listing
from telltale.metric_dsl.schema import GROUPS, MODEL_TYPES, FieldInfo, ModelSchema
from telltale.metric_dsl.signature import DEFAULT_MARKERS, KINDS, REQUIRED, ROW_PARAM_KINDS
from telltale.metric_dsl.values import Agg, Const, Mask, Row, Value

from telltale.errors import DSLError

if TYPE_CHECKING:
    from telltale.metric_dsl.library import Impl, MetricLibrary

LITERAL_HINTS = {"true": "True", "false": "False", "null": "None", "none": "None",
                 "nil": "None", "TRUE": "True", "FALSE": "False", "NULL": "None"}
SINGULAR = {"features": "feature", "raw_inputs": "raw input", "predictions": "prediction",
            "actuals": "actual"}


# ---------------------------------------------------------------- schema-free checks


def _references(d: ast.MetricDef) -> list[tuple[str, ast.Pos, bool]]:
    """(name, pos, is_call) of every metric/function name the body uses (parameters excluded)."""
    params = {p.name for p in d.param_list}
    out = []
    for node in ast.walk(d.body):
        if isinstance(node, ast.Name) and node.name not in params:
            out.append((node.name, node.pos, False))
        elif isinstance(node, ast.Call):
            out.append((node.name, node.pos, True))
    return out


def _reaches(start: str, goal: str, refs: Mapping[str, set[str]]) -> list[str] | None:
    """A path start -> ... -> goal through metric references, or None."""
    stack = [(start, [start])]
    seen = {start}
    while stack:
        name, path = stack.pop()
        for nxt in sorted(refs.get(name, ())):
            if nxt == goal:
                return path + [goal]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, path + [nxt]))
    return None


def _check_params(d: ast.MetricDef) -> DSLError | None:
    seen: set[str] = set()
    for p in d.param_list:
        if p.name in seen:
            return error_at(p.pos, f"parameter {p.name} of {d.name} is listed twice; rename one")
        seen.add(p.name)
        for k in p.kinds or ():
            if k not in KINDS:
                return error_at(p.pos, f"unknown kind {k} for parameter {p.name}"
                                       f"{did_you_mean(k, KINDS)}; kinds are {', '.join(KINDS)}")
        if p.default is None:
            continue
        if isinstance(p.default, ast.Name) and p.default.name in DEFAULT_MARKERS:
            if not set(p.kinds or ()) & set(ROW_PARAM_KINDS):
                return error_at(p.default.pos,
                                f"the default `{p.default.name}` needs the parameter's kind, e.g. "
                                f"{p.name}: boolean | numeric = {p.default.name}")
            continue
        from telltale.metric_dsl.library import const_value

        if not const_value(p.default)[0]:
            return error_at(p.default.pos, f"the default of parameter {p.name} must be a constant "
                                           "(a number, a string, True, False or None) or "
                                           "`prediction` / `actual`")
    return None


def _check_body(d: ast.MetricDef, index: Mapping[str, int], pos_of: Mapping[str, ast.MetricDef],
                refs: Mapping[str, set[str]], builtins: Mapping[str, Sequence[Impl]],
                order: int, stdlib: bool) -> DSLError | None:
    params = {p.name for p in d.param_list}
    for node in ast.walk(d.body):
        if isinstance(node, ast.Field) and node.group not in GROUPS:
            return error_at(node.pos, f"unknown field group {node.group}"
                                      f"{did_you_mean(node.group, GROUPS)}; fields are written "
                                      "features.X, raw_inputs.X, predictions.X or actuals.X")
        if isinstance(node, ast.Name) and node.name in params:
            continue
        if not isinstance(node, (ast.Name, ast.Call)):
            continue
        name, is_call = node.name, isinstance(node, ast.Call)
        if is_call and name in params:
            return error_at(node.pos, f"{name} is a parameter of {d.name}, not a function; "
                                      f"write {name} without parentheses")
        if name == d.name:
            return error_at(node.pos, f"metric {name} uses itself; a metric may only use metrics "
                                      "defined before it")
        is_def = name in index
        user_known = is_def and index[name] < order
        if is_def and not user_known:
            later = pos_of[name]
            cycle = _reaches(name, d.name, refs)
            if cycle:
                chain = " -> ".join([d.name] + cycle)
                return error_at(node.pos, f"metrics {d.name} and {name} use each other (a cycle: "
                                          f"{chain}); a metric may only use metrics defined "
                                          "before it, so break the cycle")
            return error_at(node.pos, f"metric {name} is used before it is defined (at {later.pos}); "
                                      f"move its definition above {d.name}")
        if not user_known and name not in builtins:
            return error_at(node.pos, unknown_name_message(name, is_call, params,
                                                           [n for n, i in index.items() if i < order],
                                                           builtins))
        if isinstance(node, ast.Call):
            if user_known and not stdlib:
                from telltale.metric_dsl.library import def_signature

                names = def_signature(pos_of[name]).param_names()
            else:
                names = sorted({n for impl in builtins[name] for n in impl.signature.param_names()})
            err = check_keywords(node, names, name)
            if err:
                return err
    return None


def unknown_name_message(name: str, is_call: bool, params: Iterable[str], metrics: Iterable[str],
                         builtins: Iterable[str]) -> str:
    """`unknown function sume (did you mean sum?)` and what a name may be."""
    if name in LITERAL_HINTS and not is_call:
        return f"unknown name {name}; write {LITERAL_HINTS[name]}"
    if is_call:
        hint = did_you_mean(name, list(metrics) + list(builtins))
        return (f"unknown function {name}{hint}; the functions are listed in docs/dsl.md "
                "(sum, mean, count, quantile, precision, mae, ...)")
    hint = did_you_mean(name, list(params) + list(metrics) + list(builtins))
    return (f"unknown name {name}{hint}; a name is a metric defined above, a parameter, or a "
            "built-in; fields are written with their group, e.g. features.x")


def is_model_metric(impls: Sequence[Impl]) -> bool:
    """True when a built-in name is a model metric (f1, r2, mse, ...: defined in the stdlib or
    a model-level spec, usable without arguments), which a user metric may shadow; False
    for a function (sum, count, mean, quantile, ...: it needs its arguments)."""
    return all((i.definition is not None or (i.spec is not None and i.spec.level == "model"))
               and all(p.default is not REQUIRED for p in i.signature.params) for i in impls)


def builtin_name_message(name: str) -> str:
    """`sum is a built-in function; ...`: user metrics cannot take a built-in function's name."""
    return (f"{name} is a built-in function; functions cannot be redefined, so choose another "
            f"name such as my_{name}")


def check_definitions(defs: Sequence[ast.MetricDef], builtins: Mapping[str, Sequence[Impl]],
                      *, stdlib: bool = False) -> list[DSLError]:
    """Every schema-free error of a sequence of definitions, at most one per definition."""
    errors: list[DSLError] = []
    index: dict[str, int] = {}
    pos_of: dict[str, ast.MetricDef] = {}
    # a user metric may take a built-in metric's name (r2, f1, ...): from its definition
    # on, the user's files and monitors mean the user's; built-ins keep their own meaning
    shadowing_error = {d.name for d in defs
                       if not stdlib and d.name in builtins and not is_model_metric(builtins[d.name])}
    for i, d in enumerate(defs):
        if d.name not in shadowing_error:   # a built-in function's name is an error below
            index.setdefault(d.name, i)
            pos_of.setdefault(d.name, d)
    refs = {d.name: {n for n, _, _ in _references(d)} for d in defs}
    for i, d in enumerate(defs):
        if d.name in shadowing_error:
            errors.append(error_at(d.pos, builtin_name_message(d.name)))
            continue
        if not stdlib and index[d.name] != i:
            first = pos_of[d.name].pos
            errors.append(error_at(d.pos, f"metric {d.name} is defined twice (first at {first}); "
                                          "rename or remove one of them"))
            continue
        err = _check_params(d) or _check_body(d, index, pos_of, refs, builtins, i, stdlib)
        if err:
            errors.append(err)
    return errors


# ---------------------------------------------------------------- checks against a model


_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")   # the grammar's NAME


def resolve_field(node: ast.Field, schema: ModelSchema) -> FieldInfo:
    """The FieldInfo of `group.name`, or a DSLError with a did-you-mean."""
    if node.group not in GROUPS:
        raise error_at(node.pos, f"unknown field group {node.group}{did_you_mean(node.group, GROUPS)}; "
                                 "fields are written features.X, raw_inputs.X, predictions.X or actuals.X")
    fields = schema.group(node.group)
    if node.name in fields:
        return fields[node.name]
    elsewhere = [g for g in GROUPS if node.name in schema.group(g)]
    if elsewhere:
        raise error_at(node.pos, f"unknown field {node.text}: {node.name} is not one of the model's "
                                 f"{node.group} (did you mean {elsewhere[0]}.{node.name}?)")
    if not fields:
        raise error_at(node.pos, f"unknown field {node.text}: the model has no {node.group}; declare "
                                 f"them in telltale.yml ({node.group}: {{name: kind}})")
    best = closest(node.name, fields)
    if best and not _PLAIN_NAME.fullmatch(best):   # an odd name is only written in backquotes
        return _raise(node.pos, f"unknown field {node.text} (did you mean {node.group}.`{best}`?)")
    if best:
        return _raise(node.pos, f"unknown field {node.text} (did you mean {best}?)")
    return _raise(node.pos, f"unknown field {node.text}; the model's {node.group} are "
                            f"{listing(fields)}")


def _raise(pos: ast.Pos, msg: str) -> FieldInfo:
    raise error_at(pos, msg)


def _const_kind_word(v: Const) -> str:
    return {"number": "a number", "string": "a string", "boolean": "True/False",
            "none": "None"}[v.kind]


def comparison_problem(op: str, left: Value, right: Value) -> str | None:
    """Why `left op right` is not a valid comparison (None when it is)."""
    for v in (left, right):
        if isinstance(v, Agg):
            return (f"{v.describe()} cannot be compared: comparisons select rows inside a filter "
                    "such as sum(features.x[features.y > 3]); to compare two metrics, subtract them")
        if isinstance(v, Mask):
            return "a [filter] cannot be compared; write the condition without brackets"
    if isinstance(left, Const) and isinstance(right, Row):
        left, right = right, left
    if isinstance(right, Const) and right.kind == "none":
        return f"compare with None using `is None` or `is not None`, not {op}"
    if isinstance(left, Const) and left.kind == "none":
        return f"compare with None using `is None` or `is not None`, not {op}"
    if not isinstance(left, Row):
        return None
    equality = op in ("==", "!=")
    if isinstance(right, Const):
        other_kind = {"number": "numeric", "string": "categorical", "boolean": "boolean"}[right.kind]
        other = _const_kind_word(right)
    else:
        assert isinstance(right, Row)
        other_kind, other = right.kind, right.describe()
    if left.kind == "numeric":
        if other_kind == "numeric":
            return None
        if isinstance(right, Const) and right.kind == "string":
            return (f"{left.describe()} cannot be compared with the string {right.value!r}; "
                    "write a number without quotes")
        return f"{left.describe()} cannot be compared with {other}; compare it with a number"
    if left.kind == "boolean":
        if other_kind == "boolean" and equality:
            return None
        if other_kind == "boolean":
            return f"{left.describe()} can only be compared with == or !=, not {op}"
        example = left.label if left.field is not None else f"({left.label})"
        return (f"{left.describe()} cannot be compared with {other}; compare it with True or "
                f"False, e.g. {example} == True")
    # categorical
    if other_kind == "boolean":
        return (f"{left.describe()} cannot be compared with {other}; compare it with a string "
                "or a number constant")
    if not equality:
        return (f"{left.describe()} can only be compared with == or != (or in (...)), not {op}")
    if isinstance(right, Row) and right.kind == "numeric":
        return f"{left.describe()} cannot be compared with {other}"
    return None


def model_type_message(name: str, impls: Sequence[Impl], schema: ModelSchema,
                       library: MetricLibrary) -> str:
    """Why `name` cannot be used for this model type and what can."""
    types = sorted({t for i in impls for t in (i.model_types or MODEL_TYPES)})
    if types == ["ranking"]:
        return (f"{name} is a ranking metric and the model is {schema.model_type}; ranking metrics "
                "need a ranking model (type: ranking, with query_id: <column>)")
    usable = sorted(n for n, imps in library.builtins.items()
                    if any(i.model_types is not None and i.applies_to(schema.model_type)
                           and (i.spec is None or i.spec.level == "model") for i in imps))
    return (f"{name} is not available for {schema.model_type} models (it applies to "
            f"{', '.join(types)} models); {schema.model_type} models can use "
            f"{listing(usable, 20)}")


# ---------------------------------------------------------------- whole library


def check_library(library: MetricLibrary, schema: ModelSchema,
                  names: Iterable[str] | None = None) -> list[DSLError]:
    """Every error of the user's metrics (or of `names`) compiled for one model.

    Metrics with required parameters are checked where they are used. The list is empty
    when everything compiles; errors are deduplicated (a broken metric used by others is
    reported once).
    """
    from telltale.metric_dsl.compiler import compile_metric
    from telltale.metric_dsl.library import def_signature

    errors: list[DSLError] = []
    seen: set[str] = set()
    for name in (list(names) if names is not None else library.names()):
        d = library.user.get(name)
        if d is not None and not def_signature(d).all_defaulted():
            continue
        try:
            compile_metric(library, name, schema)
        except DSLError as e:
            if str(e) not in seen:
                seen.add(str(e))
                errors.append(e)
    return errors
