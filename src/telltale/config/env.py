"""`${VAR}` and `${VAR:-default}` in string values; secrets come from the environment.

`$${X}` writes a literal `${X}`. `${VAR:-default}` uses the default when VAR is unset or
empty (as a POSIX shell does). Keys are never interpolated.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from telltale.config.problems import Path_, Problem
from telltale.config.yamlload import SourceMap

_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_INNER = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$", re.DOTALL)


class _Missing(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def interpolate_text(text: str, env: Mapping[str, str]) -> str:
    """Expand `${VAR}`, `${VAR:-default}` and `$${` in one string.

    Raises ValueError (with a hint) if a variable is missing or a reference is malformed.
    """

    def repl(m: re.Match[str]) -> str:
        if m.group(0) == "$${":
            return "${"
        inner = m.group(1)
        parsed = _INNER.match(inner)
        if not parsed:
            raise _Missing(f"'${{{inner}}}' is not a valid reference; write ${{NAME}} or "
                           "${NAME:-default} (letters, digits and _), or $${ for a literal ${")
        name, default = parsed.group(1), parsed.group(2)
        if default is not None and "${" in default:
            raise _Missing(f"'${{{inner}}}': a default cannot contain another ${{...}}; "
                           "write a plain default")
        value = env.get(name)
        if default is not None:
            return value if value else default
        if value is None:
            raise _Missing(f"environment variable {name} is not set; export {name}=... "
                           f"before running telltale, or give a default: ${{{name}:-value}}")
        return value

    try:
        out = _TOKEN.sub(repl, text)
    except _Missing as exc:
        raise ValueError(exc.message) from None
    rest = _TOKEN.sub("", text)
    if "${" in rest:
        raise ValueError("unclosed '${' ; write ${NAME} or ${NAME:-default}, or $${ for a literal ${")
    return out


def interpolate(data: Any, env: Mapping[str, str], smap: SourceMap,
                path: Path_ = ()) -> tuple[Any, list[Problem]]:
    """Interpolate every string value in a loaded YAML tree; return new data and the problems."""
    problems: list[Problem] = []

    def walk(value: Any, p: Path_) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, p + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, p + (i,)) for i, v in enumerate(value)]
        if isinstance(value, str) and "$" in value:
            try:
                return interpolate_text(value, env)
            except ValueError as exc:
                problems.append(smap.problem(p, str(exc)))
                return value
        return value

    return walk(data, path), problems
