"""Config problems: one located message each, and the ConfigError that lists them all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence, Union

from telltale.configbase.words import did_you_mean, one_of
from telltale.errors import ConfigError

__all__ = ["ConfigProblems", "Path_", "PathElem", "Problem", "did_you_mean", "format_path", "one_of"]

PathElem = Union[str, int]
Path_ = tuple[PathElem, ...]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def format_path(path: Sequence[PathElem]) -> str:
    """Render a key path the way users read it: `monitors[1].threshold`, `models.credit.id`."""
    out = ""
    for elem in path:
        if isinstance(elem, int):
            out += f"[{elem}]"
        elif _IDENT.match(elem):
            out += f".{elem}" if out else elem
        else:
            out += f'["{elem}"]'
    return out


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file, located at `file:line:column` and a key path."""

    file: str
    line: int | None
    column: int | None
    key: str
    message: str

    def format(self) -> str:
        """`telltale.yml:LINE:COL: key.path: message`."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        key = f"{self.key}: " if self.key else ""
        return f"{where}: {key}{self.message}"

    def sort_key(self) -> tuple[int, int, str]:
        """Order problems by position in the file."""
        return (self.line or 0, self.column or 0, self.message)


class ConfigProblems(ConfigError):
    """A ConfigError that lists every problem found in one config file.

    `problems` holds each located problem; `file/line/column/key` are those of the first.
    With one problem the message is exactly that problem's `file:line:col: key: message`.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        probs = sorted(dict.fromkeys(problems), key=Problem.sort_key)
        if not probs:
            raise ValueError("ConfigProblems needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(probs)
        first = probs[0]
        if len(probs) == 1:
            super().__init__(first.message, file=first.file, line=first.line,
                             column=first.column, key=first.key or None)
            return
        text = f"{first.file} has {len(probs)} problems:\n" + "\n".join(
            "  " + p.format() for p in probs)
        super().__init__(text)
        self.file, self.line, self.column, self.key = first.file, first.line, first.column, first.key
