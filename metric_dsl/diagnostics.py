"""Error helpers shared by the parser, the checks and the compiler: positions, did-you-mean."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from telltale.metric_dsl.ast import Pos

from telltale.errors import DSLError


def error_at(pos: Pos, message: str) -> DSLError:
    """A DSLError located at `pos` (file:line:col)."""
    return DSLError(message, file=pos.file, line=pos.line, column=pos.column)


class DSLErrorGroup(DSLError):
    """Several DSL errors at once (for `telltale validate`); located at the first one."""

    def __init__(self, errors: Sequence[DSLError]) -> None:
        if not errors:
            raise ValueError("DSLErrorGroup needs at least one error")
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.bare_message, file=first.file, line=first.line, column=first.column)
        if len(self.errors) > 1:
            self.args = ("\n".join(str(e) for e in self.errors),)


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `word` (case-insensitive first), or None when none is close."""
    pool = sorted(set(candidates))
    for c in pool:
        if c.lower() == word.lower():
            return c
    match = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if match:
        return match[0]
    lowered = {c.lower(): c for c in pool}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def did_you_mean(word: str, candidates: Iterable[str], *, prefix: str = "") -> str:
    """` (did you mean X?)` when a candidate is close to `word`, else an empty string."""
    best = closest(word, candidates)
    return f" (did you mean {prefix}{best}?)" if best else ""


def listing(names: Iterable[str], limit: int = 12) -> str:
    """`a, b, c` (sorted, at most `limit`, then `...`)."""
    items = sorted(set(names))
    if not items:
        return "(none)"
    text = ", ".join(items[:limit])
    return text + (", ..." if len(items) > limit else "")


def plural(n: int, word: str) -> str:
    """`1 argument` / `2 arguments`."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
