"""Call arguments -> parameters: arity, unknown or repeated keywords, missing arguments."""

from __future__ import annotations

from dataclasses import dataclass

from telltale.metric_dsl import ast
from telltale.metric_dsl.diagnostics import did_you_mean, error_at, plural
from telltale.metric_dsl.signature import Signature

from telltale.errors import DSLError


@dataclass(frozen=True)
class Bound:
    """The argument expressions of one call, by parameter name, plus its `filter=`."""

    args: dict[str, ast.Expr]
    filter: ast.Expr | None


def bind(call: ast.Call, sig: Signature) -> Bound:
    """Match a call's arguments to a signature, or raise a DSLError saying what to write."""
    if call.positional_after_keyword is not None:
        raise error_at(call.positional_after_keyword,
                       f"{sig.name}(): a positional argument follows a keyword argument; "
                       f"put name=value arguments last: {sig.usage()}")
    params = sig.params
    if len(call.args) > len(params):
        extra = call.args[len(params)]
        takes = plural(len(params), "argument")
        names = f" ({', '.join(p.name for p in params)})" if params else ""
        raise error_at(extra.pos, f"{sig.name}() takes {takes}{names}, got {len(call.args)}; "
                                  f"write {sig.usage()}")
    out: dict[str, ast.Expr] = {p.name: a for p, a in zip(params, call.args)}
    flt: ast.Expr | None = None
    accepted = sig.param_names()
    for kw in call.keywords:
        if kw.name == "filter" and sig.filterable:
            if flt is not None:
                raise error_at(kw.pos, f"{sig.name}(): filter= is given twice; combine the "
                                       "conditions with and")
            flt = kw.value
            continue
        if kw.name not in accepted:
            if kw.name == "filter":
                raise error_at(kw.pos, f"{sig.name}() works per row and takes no filter=; put the "
                                       "filter on the aggregate around it")
            hint = did_you_mean(kw.name, accepted)
            raise error_at(kw.pos, f"{sig.name}() has no argument named {kw.name}{hint}; its "
                                   f"arguments are {', '.join(accepted) or '(none)'}")
        if kw.name in out:
            raise error_at(kw.pos, f"{sig.name}(): argument {kw.name} is given twice; pass it "
                                   "either by position or as name=value")
        out[kw.name] = kw.value
    for p in params:
        if p.required and p.name not in out:
            raise error_at(call.pos, f"{sig.name}() needs argument {p.name}; write {sig.usage()}")
    return Bound(out, flt)


def check_keywords(call: ast.Call, names: list[str], fn: str) -> DSLError | None:
    """Schema-free check that every keyword exists in one of a function's signatures."""
    for kw in call.keywords:
        if kw.name == "filter" and "filter" not in names:
            return error_at(kw.pos, f"{fn}() works per row and takes no filter=; put the filter "
                                    "on the aggregate around it")
        if kw.name not in names:
            return error_at(kw.pos, f"{fn}() has no argument named {kw.name}"
                                    f"{did_you_mean(kw.name, names)}; its arguments are "
                                    f"{', '.join(names) or '(none)'}")
    if call.positional_after_keyword is not None:
        return error_at(call.positional_after_keyword,
                        f"{fn}(): a positional argument follows a keyword argument; put "
                        "name=value arguments last")
    return None
