"""YAML loading that remembers where every key and value is.

The file is composed into PyYAML's node tree and turned into plain Python data by hand,
so each mapping key and each value keeps its line and column (1-based), duplicate keys
are reported with both lines, and keys stay text (`on:` is the key "on", not `True`).

Scalars follow YAML 1.2 rather than PyYAML's YAML 1.1 defaults: only true/false are
booleans (`NO`, `yes`, `off` stay text) and dates stay text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from telltale.config.problems import Path_, Problem, format_path

_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_STR_TAG = "tag:yaml.org,2002:str"


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-style booleans and no implicit timestamps."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


@dataclass
class SourceMap:
    """Line and column (1-based) of every value and mapping key, by key path."""

    file: str
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def value_at(self, path: Path_) -> tuple[int, int] | None:
        """Where the value at `path` starts, or where its nearest ancestor starts."""
        p = tuple(path)
        while True:
            if p in self.values:
                return self.values[p]
            if not p:
                return None
            p = p[:-1]

    def key_at(self, path: Path_) -> tuple[int, int] | None:
        """Where the key of `path` is written (falls back to the value's position)."""
        return self.keys.get(tuple(path)) or self.value_at(path)

    def problem(self, path: Path_, message: str, *, at_key: bool = False) -> Problem:
        """A Problem located at the value (or key) of `path`."""
        pos = self.key_at(path) if at_key else self.value_at(path)
        line, col = pos if pos else (None, None)
        return Problem(self.file, line, col, format_path(path), message)


@dataclass
class LoadedYaml:
    """The plain data of a YAML file, where each piece was, and problems found while reading."""

    data: Any
    source_map: SourceMap
    problems: list[Problem]


MAX_VALUES = 100_000
"""The most values (mappings, lists and scalars, aliases expanded) a config may hold: a
few kilobytes of nested aliases (a "billion laughs") would otherwise expand to billions."""


def _pos(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _TooBig(Exception):
    """Alias expansion went past MAX_VALUES, or an alias refers to a node that contains it."""

    def __init__(self, node: Node, message: str, at: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.node, self.message = node, message
        self.at = at or _pos(node)


class _Builder:
    """Turns a composed node tree into dicts, lists and scalars, recording positions.

    Aliases are expanded (each use is a copy), so the number of values built is counted
    and bounded by MAX_VALUES, and an alias inside the node it names is refused.
    """

    def __init__(self, loader: _Loader, smap: SourceMap) -> None:
        self.loader, self.smap = loader, smap
        self.problems: list[Problem] = []
        self.count = 0
        self.open: set[int] = set()          # ids of the collection nodes being built

    def build(self, node: Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            top = self.smap.key_at(path[:1]) if path else None     # the key whose value explodes
            raise _TooBig(node, f"the file expands to more than {MAX_VALUES:,} values (aliases "
                                "multiply what they name); write the values out or use fewer "
                                "nested aliases", top)
        self.smap.values.setdefault(path, _pos(node))
        if isinstance(node, (MappingNode, SequenceNode)):
            if id(node) in self.open:
                raise _TooBig(node, "an alias refers to a mapping or list that contains it, so it "
                                    "never ends; remove the *alias or point it elsewhere")
            self.open.add(id(node))
            try:
                if isinstance(node, MappingNode):
                    return self._mapping(node, path)
                return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
            finally:
                self.open.discard(id(node))
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError):   # e.g. an integer of more digits than Python converts
            raise _TooBig(node, f"the value '{str(node.value)[:20]}...' is not a usable number "
                                f"({len(str(node.value))} characters); write a shorter value") from None

    def _key_text(self, node: Node, path: Path_) -> str | None:
        if isinstance(node, ScalarNode):
            return str(node.value)
        line, col = _pos(node)
        self.problems.append(Problem(self.smap.file, line, col, format_path(path),
                                     "a key must be plain text, not a list or mapping"))
        return None

    def _merged(self, node: Node, path: Path_) -> dict[str, Any]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        out: dict[str, Any] = {}
        for src in reversed(sources):
            if not isinstance(src, MappingNode):
                line, col = _pos(src)
                self.problems.append(Problem(self.smap.file, line, col, format_path(path),
                                             "'<<' must merge a mapping (an &anchor of one)"))
                continue
            if id(src) in self.open:
                raise _TooBig(src, "'<<' merges a mapping that contains it, so it never ends; "
                                   "merge another mapping")
            self.open.add(id(src))
            try:
                out.update(self._mapping(src, path))
            finally:
                self.open.discard(id(src))
        return out

    def _mapping(self, node: MappingNode, path: Path_) -> dict[str, Any]:
        own: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == "tag:yaml.org,2002:merge":
                merged.update(self._merged(value_node, path))
                continue
            key = self._key_text(key_node, path)
            if key is None:
                continue
            line, col = _pos(key_node)
            if key in own:
                self.problems.append(Problem(
                    self.smap.file, line, col, format_path(path + (key,)),
                    f"duplicate key '{key}' (first written at line {first_line[key]}); "
                    "keep only one"))
                continue
            first_line[key] = line
            self.smap.keys[path + (key,)] = (line, col)
            own[key] = self.build(value_node, path + (key,))
        return {**merged, **own}


def load_yaml(text: str, file: str = "telltale.yml") -> LoadedYaml:
    """Parse YAML text into plain data plus a SourceMap; raise ConfigProblems on a syntax error."""
    from telltale.config.problems import ConfigProblems

    smap = SourceMap(file)
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise ConfigProblems([_reader_problem(text, file, exc)]) from None
    try:
        root = loader.get_single_node()
        if root is None:
            return LoadedYaml(None, smap, [])
        builder = _Builder(loader, smap)
        data = builder.build(root, ())
    except yaml.MarkedYAMLError as exc:
        # "while scanning an alias/a quoted scalar" starts where the mistake is written;
        # otherwise the problem mark is the precise spot.
        scanning = bool(exc.context and exc.context.startswith("while scanning") and exc.context_mark)
        mark = exc.context_mark if scanning else (exc.problem_mark or exc.context_mark)
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        what = exc.problem or str(exc)
        if exc.context:
            other = exc.problem_mark if scanning else exc.context_mark
            at = f" (line {other.line + 1}, column {other.column + 1})" \
                if other and other.line + 1 != line else ""
            what = f"{exc.context}: {what}{at}" if scanning else f"{exc.context}{at}: {what}"
        hint = ""
        if "alias" in what or "anchor" in what:
            hint = "; quote values that start with * or & (e.g. schedule: \"0 6 * * *\")"
        elif "'\\t'" in what:
            hint = "; indent with spaces, not tabs"
        elif "mapping values are not allowed" in what:
            hint = "; quote values that contain ': ' or put a space after the colon of the key"
        raise ConfigProblems([Problem(file, line, col, "", f"invalid YAML: {what}{hint}")]) from None
    except yaml.reader.ReaderError as exc:
        raise ConfigProblems([_reader_problem(text, file, exc)]) from None
    except yaml.YAMLError as exc:
        raise ConfigProblems([Problem(file, None, None, "", f"invalid YAML: {exc}")]) from None
    except _TooBig as exc:
        line, col = exc.at
        raise ConfigProblems([Problem(file, line, col, "", f"invalid YAML: {exc.message}")]) from None
    except RecursionError:
        raise ConfigProblems([Problem(file, None, None, "", "invalid YAML: the values are nested "
                                      "too deeply; flatten the file")]) from None
    finally:
        loader.dispose()
    return LoadedYaml(data, smap, builder.problems)


def _reader_problem(text: str, file: str, exc: yaml.reader.ReaderError) -> Problem:
    """A located problem for a character YAML does not allow (a NUL byte, a control code)."""
    before = text[:exc.position]
    line = before.count("\n") + 1
    col = exc.position - (before.rfind("\n") + 1) + 1
    char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
    return Problem(file, line, col, "", f"invalid YAML: the character #x{char:04x} is not allowed "
                                        "in a YAML file; remove it (is this a text file?)")
