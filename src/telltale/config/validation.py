"""Turn pydantic's ValidationError into located problems a user can act on.

Each pydantic error location (`('monitors', 1, 'data_drift', 'threshold')`) is walked
through the loaded data to find the YAML path (discriminator tags are skipped) and its
line and column. The message is rewritten: unknown keys get "did you mean" and the list
of allowed keys, enum values get the allowed values, and the offending input is quoted.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any, Sequence

from pydantic import BaseModel, ValidationError

from telltale.config.problems import Path_, Problem, did_you_mean, one_of
from telltale.config.yamlload import SourceMap

_QUOTED = re.compile(r"'([^']*)'")

_MISSING_HINTS = {
    "version": "add `version: 1` at the top of the file",
    "type": "add type: ...",
    "connection": "name one of the connections, e.g. connection: wh",
    "source": "add e.g. source: {table: predictions}",
    "timestamp": "name the column holding the prediction time, e.g. timestamp: predicted_at",
    "predictions": "map the prediction columns, e.g. predictions: {score: numeric}",
    "name": "give the monitor a unique name, e.g. name: feature drift",
    "model": "name the model this monitor watches, e.g. model: credit",
    "detection": "add e.g. detection: {absolute: {max: 0.05}} or detection: {change: {percent: 20}}",
    "metric": "name a metric, e.g. metric: f1 or a metric from your .metric files",
    "max_age": "add e.g. max_age: 2d",
    "percent": "add e.g. percent: 20",
    "last": "add e.g. last: 28d",
    "url": "add the URL, e.g. url: https://hooks.example/telltale",
    "webhook_url": "add webhook_url: \"${SLACK_WEBHOOK}\"",
    "account": "add account: \"${SF_ACCOUNT}\"",
    "license_key": "add license_key: \"${NEW_RELIC_LICENSE_KEY}\"",
    "token": "add token: \"${JIRA_TOKEN}\"",
}


def describe(value: Any) -> str:
    """How a YAML value reads in a message: `'hgih'`, `the number 3`, `a list`."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


# ---------------------------------------------------------------------------- types


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _union_members(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return [_unwrap(a) for a in typing.get_args(tp) if a is not type(None)]
    return [tp]


def _tag_of(model: type[BaseModel]) -> tuple[Any, ...]:
    f = model.model_fields.get("type")
    if f is None or typing.get_origin(f.annotation) is not typing.Literal:
        return ()
    return typing.get_args(f.annotation)


def _field(model: type[BaseModel], key: str) -> Any:
    for name, f in model.model_fields.items():
        if key in (name, f.alias):
            return f.annotation
    return None


def _step(tp: Any, elem: Any) -> Any:
    """The type one pydantic loc element deeper (a discriminator tag selects a union member)."""
    tp = _unwrap(tp)
    members = _union_members(tp)
    if len(members) == 1:
        tp = members[0]
    else:
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        for m in models:
            if elem in _tag_of(m):
                return m
        if len(models) == 1:
            return _step(models[0], elem)
        containers = [m for m in members if typing.get_origin(m) in (list, tuple, dict)]
        return _step(containers[0], elem) if len(containers) == 1 else None
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _field(tp, elem)
    if origin in (list, tuple) and isinstance(elem, int):
        return _unwrap(typing.get_args(tp)[0])
    if origin is dict:
        return _unwrap(typing.get_args(tp)[1])
    return None


def model_at(root: type[BaseModel], loc: Sequence[Any]) -> type[BaseModel] | None:
    """The config model class that validates the value at pydantic location `loc`."""
    tp: Any = root
    for elem in loc:
        tp = _step(tp, elem)
        if tp is None:
            return None
    members = [m for m in _union_members(_unwrap(tp)) if isinstance(m, type) and issubclass(m, BaseModel)]
    return members[0] if len(members) == 1 else None


def allowed_keys(model: type[BaseModel]) -> list[str]:
    """The keys a config model accepts, as written in YAML, the type's own keys first."""
    order: list[str] = []
    for cls in model.__mro__:
        order.extend(n for n in getattr(cls, "__annotations__", {}) if n in model.model_fields
                     and n not in order)
    order.extend(n for n in model.model_fields if n not in order)
    return [model.model_fields[n].alias or n for n in order]


# ---------------------------------------------------------------------------- paths


def yaml_path(data: Any, loc: Sequence[Any]) -> tuple[Path_, bool]:
    """The YAML key path for a pydantic loc, and whether the whole loc exists in the data."""
    path: list[Any] = []
    cur = data
    for i, elem in enumerate(loc):
        if isinstance(cur, dict):
            if elem in cur:
                path.append(elem)
                cur = cur[elem]
                continue
            if cur.get("type") == elem:
                continue  # a discriminator tag
            if isinstance(elem, str) and not elem.startswith(("function-", "literal[", "union[")):
                path.append(elem)
            return tuple(path), False
        if isinstance(cur, list) and isinstance(elem, int) and 0 <= elem < len(cur):
            path.append(elem)
            cur = cur[elem]
            continue
        return tuple(path), i == len(loc)
    return tuple(path), True


# ---------------------------------------------------------------------------- messages


def _message(err: dict[str, Any], root: type[BaseModel], loc: Sequence[Any]) -> tuple[str, str | None]:
    """A message for one pydantic error, and a sub-key to point at (if any)."""
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        key = str(loc[-1]) if loc else "?"
        hint = _MISSING_HINTS.get(key, f"add {key}: ...")
        if key == "type":
            model = model_at(root, loc[:-1])
            if model is not None and _tag_of(model):
                hint = f"add type: {one_of(_tag_of(model))}"
        return f"missing required key '{key}'; {hint}", None
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        model = model_at(root, loc[:-1])
        if model is None:
            return f"unknown key '{key}'; remove it", None
        keys = [k for k in allowed_keys(model) if k != "type"]
        msg = f"unknown key '{key}'{did_you_mean(key, keys)}"
        owners = _other_owners(model, key)
        if owners:
            msg += f"; '{key}' belongs to {owners}, not to this type"
        return msg + f"; allowed keys: {', '.join(keys)}", None
    if kind == "literal_error":
        expected = _QUOTED.findall(str(ctx.get("expected", ""))) or [str(ctx.get("expected", ""))]
        if loc and loc[-1] == "version":
            return f"version {value!r} is not supported; write version: 1", None
        return (f"{describe(value)} is not allowed{did_you_mean(value, expected)}; "
                f"write one of {one_of(expected)}"), None
    if kind == "union_tag_invalid":
        expected = _QUOTED.findall(str(ctx.get("expected_tags", "")))
        tag = ctx.get("tag")
        return (f"unknown type '{tag}'{did_you_mean(tag, expected)}; "
                f"write one of {one_of(expected)}"), "type"
    if kind == "union_tag_not_found":
        model = model_at(root, loc)
        tags: list[Any] = []
        if model is None:
            tp: Any = root
            for elem in loc:
                tp = _step(tp, elem) if tp is not None else None
            for m in _union_members(_unwrap(tp)) if tp is not None else []:
                if isinstance(m, type) and issubclass(m, BaseModel):
                    tags.extend(_tag_of(m))
        return f"missing required key 'type'; add type: {one_of(tags)}", None
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping (key: value pairs), got {describe(value)}", None
    if kind in ("list_type", "tuple_type"):
        return f"expected a list such as [a, b], got {describe(value)}", None
    if kind == "string_type":
        return f"expected text, got {describe(value)}", None
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected a whole number, got {describe(value)}", None
    if kind in ("float_parsing", "float_type"):
        return f"expected a number, got {describe(value)}", None
    if kind == "finite_number":
        return f"expected a finite number, got {describe(value)}; write e.g. 0.2", None
    if kind in ("bool_parsing", "bool_type"):
        return f"expected true or false, got {describe(value)}", None
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = next(iter(ctx.values()), "?")
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)
        words = {"greater_than": "above", "greater_than_equal": "at least",
                 "less_than": "below", "less_than_equal": "at most"}[kind]
        return f"must be {words} {bound}, got {describe(value)}", None
    if kind == "telltale":
        return str(err["msg"]), ctx.get("at")
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    elif msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, "):]
    else:
        msg = f"{msg[:1].lower()}{msg[1:]}, got {describe(value)}"
    return msg, None


def _other_owners(model: type[BaseModel], key: str) -> str:
    """For a key unknown to one monitor/connection/channel type, the sibling types that take it."""
    from telltale.config.alerts import Channel
    from telltale.config.connections import Connection
    from telltale.config.monitors import Monitor

    for union in (Monitor, Connection, Channel):
        members = _union_members(_unwrap(union))
        if model in members:
            owners = [str(_tag_of(m)[0]) for m in members if key in allowed_keys(m)]
            return one_of(owners) if owners else ""
    return ""


def problems_from(exc: ValidationError, data: Any, smap: SourceMap,
                  root: type[BaseModel]) -> list[Problem]:
    """Every error of a ValidationError as a located Problem.

    A missing key whose likely typo is reported in the same mapping ("unknown key 'lst'
    (did you mean 'last'?)") is not reported again as missing.
    """
    errors = exc.errors(include_url=False)
    typos: set[tuple[Any, ...]] = set()
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden" and loc:
            model = model_at(root, loc[:-1])
            if model is not None:
                hint = did_you_mean(str(loc[-1]), allowed_keys(model))
                match = _QUOTED.search(hint)
                if match:
                    typos.add(loc[:-1] + (match.group(1),))
    out: list[Problem] = []
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "missing" and loc in typos:
            continue
        message, at = _message(dict(err), root, loc)
        path, _ = yaml_path(data, loc)
        at_key = err["type"] == "extra_forbidden"
        if at:
            sub, exists = yaml_path(data, loc + (at,))
            if exists:
                path, at_key = sub, False
        out.append(smap.problem(path, message, at_key=at_key))
    return out
