"""`${VAR}` and `${VAR:-default}` in string values; secrets come from the environment.

`$${X}` writes a literal `${X}`. `${VAR:-default}` uses the default when VAR is unset or
empty (as a POSIX shell does). Keys are never interpolated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from telltale.config.problems import Path_, Problem
from telltale.config.yamlload import SourceMap

_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_INNER = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$", re.DOTALL)


class _Missing(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def interpolate_text(text: str, env: Mapping[str, str], used: dict[str, str] | None = None) -> str:
    """Expand `${VAR}`, `${VAR:-default}` and `$${` in one string.

    Raises ValueError (with a hint) if a variable is missing or a reference is malformed.
    `used`, if given, collects the name and value of every variable read from `env`.
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
        if value and used is not None:
            used[name] = value
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


@dataclass
class Redactions:
    """What interpolation put into the config, so that error messages never echo it.

    `values` maps each expanded string to the text written in the file (`${HOOK_SECRET}`);
    `variables` maps each variable's value to `${NAME}`.
    """

    values: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)

    def redact(self, message: str) -> str:
        """`message` with every interpolated value replaced by the reference that produced it.

        A short value (`k`, `ml`, `require`) is replaced only where it stands on its own, so it
        does not rewrite the words of an unrelated message (`unknown`, `required`)."""
        pairs = sorted(self.values.items(), key=lambda kv: -len(kv[0]))
        for expanded, written in pairs:
            if expanded and expanded != written:
                message = _replace_whole(message, expanded, written)
        for value, ref in sorted(self.variables.items(), key=lambda kv: -len(kv[0])):
            if len(value) >= MIN_REDACTED:
                message = _replace_whole(message, value, ref)
        return message

    def problem(self, problem: Problem) -> Problem:
        """A Problem whose message shows `${VAR}` instead of what it expanded to."""
        text = self.redact(problem.message)
        return problem if text == problem.message else replace(problem, message=text)


WHOLE_WORD_BELOW = 12
"""Values shorter than this are replaced only where they stand on their own; longer ones
(keys, tokens, passwords) wherever they occur, even inside a longer word."""


def _replace_whole(message: str, value: str, ref: str) -> str:
    """`message` with `value` replaced by `ref`: everywhere for a long value, else only where
    it touches no letter, digit or `_` on either side."""
    if len(value) >= WHOLE_WORD_BELOW:
        return message.replace(value, ref)
    pattern = rf"(?<![0-9A-Za-z_]){re.escape(value)}(?![0-9A-Za-z_])"
    return re.sub(pattern, lambda _m: ref, message)


MIN_REDACTED = 3
"""Variable values shorter than this are not searched for inside messages (they are
still replaced where the whole value was interpolated)."""


def interpolate(data: Any, env: Mapping[str, str], smap: SourceMap,
                path: Path_ = (), redactions: Redactions | None = None) -> tuple[Any, list[Problem]]:
    """Interpolate every string value in a loaded YAML tree; return new data and the problems.

    `redactions`, if given, records what was interpolated (see Redactions).
    """
    problems: list[Problem] = []

    def walk(value: Any, p: Path_) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, p + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, p + (i,)) for i, v in enumerate(value)]
        if isinstance(value, str) and "$" in value:
            try:
                used: dict[str, str] = {}
                out = interpolate_text(value, env, used)
                if redactions is not None and used:
                    redactions.values[out] = value
                    redactions.variables.update({v: f"${{{k}}}" for k, v in used.items()})
                return out
            except ValueError as exc:
                problems.append(smap.problem(p, str(exc)))
                return value
        return value

    return walk(data, path), problems
