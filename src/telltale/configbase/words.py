"""Wording of config messages: a did-you-mean hint and an `a, b or c` list."""

from __future__ import annotations

import difflib
from typing import Iterable


def did_you_mean(word: object, candidates: Iterable[str]) -> str:
    """` (did you mean 'x'?)` when a candidate is close to `word`, else an empty string."""
    if not isinstance(word, str):
        return ""
    pool = [c for c in candidates if isinstance(c, str)]
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f" (did you mean '{lowered[word.lower()]}'?)"
    match = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not match:
        match = [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)]
    return f" (did you mean '{match[0]}'?)" if match else ""


def one_of(values: Iterable[object]) -> str:
    """`a, b or c` for a hint listing the allowed values."""
    items = [str(v) for v in values]
    if not items:
        return "(nothing)"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]
