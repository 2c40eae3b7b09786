"""The metric library: built-ins (Python table + stdlib/*.metric) and the user's definitions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from telltale.metric_dsl import ast
from telltale.metric_dsl.diagnostics import DSLErrorGroup
from telltale.metric_dsl.functions import BY_NAME, CLASSIFIERS, FunctionSpec
from telltale.metric_dsl.parser import parse_file
from telltale.metric_dsl.signature import DEFAULT_MARKERS, REQUIRED, ParamSig, Signature

from telltale.errors import DSLError

if TYPE_CHECKING:
    from telltale.metric_dsl.compiler import CompiledMetric
    from telltale.metric_dsl.schema import ModelSchema

STDLIB_DIR = Path(__file__).with_name("stdlib")
# stdlib file -> the model types its definitions apply to (None: every type)
STDLIB_FILES: tuple[tuple[str, frozenset[str] | None], ...] = (
    ("common.metric", None),
    ("binary.metric", CLASSIFIERS),
    # error metrics also serve scores of binary models (mse of a probability = Brier score)
    ("regression.metric", frozenset({"regression", "binary", "multilabel"})),
)


@dataclass(frozen=True)
class Impl:
    """One implementation of a built-in name: a Python spec or a stdlib definition."""

    signature: Signature
    model_types: frozenset[str] | None
    spec: FunctionSpec | None = None
    definition: ast.MetricDef | None = None

    def applies_to(self, model_type: str) -> bool:
        """True when this implementation serves models of `model_type`."""
        return self.model_types is None or model_type in self.model_types


def const_value(node: ast.Expr) -> tuple[bool, object]:
    """(True, value) when `node` is a literal constant (numbers may be negated)."""
    if isinstance(node, (ast.Number, ast.String, ast.Bool)):
        return True, node.value
    if isinstance(node, ast.NoneLit):
        return True, None
    if isinstance(node, ast.Neg) and isinstance(node.operand, ast.Number):
        return True, -node.operand.value
    return False, None


def def_signature(d: ast.MetricDef) -> Signature:
    """The signature of a metric defined in the language (defaults already checked)."""
    params = []
    for p in d.param_list:
        default: object = REQUIRED
        if p.default is not None:
            if isinstance(p.default, ast.Name) and p.default.name in DEFAULT_MARKERS:
                default = DEFAULT_MARKERS[p.default.name]
            else:
                ok, value = const_value(p.default)
                default = value if ok else REQUIRED
        params.append(ParamSig(p.name, p.kinds or ("value",), default))
    return Signature(d.name, tuple(params), True)


@dataclass(frozen=True)
class MetricLibrary:
    """Every metric a project can use: built-ins by name and the user's, in definition order."""

    user: Mapping[str, ast.MetricDef]
    builtins: Mapping[str, tuple[Impl, ...]]
    files: tuple[str, ...] = ()

    def names(self) -> list[str]:
        """The user's metric names, in definition order."""
        return list(self.user)

    def is_builtin(self, name: str) -> bool:
        """True for a built-in function or metric name."""
        return name in self.builtins

    def impl_for(self, name: str, model_type: str) -> Impl | None:
        """The built-in implementation of `name` for a model type, if any."""
        for impl in self.builtins.get(name, ()):
            if impl.applies_to(model_type):
                return impl
        return None

    def signatures(self, name: str) -> list[Signature]:
        """Every signature `name` has (one per model-type implementation, or the user's)."""
        if name in self.user:
            return [def_signature(self.user[name])]
        return [i.signature for i in self.builtins.get(name, ())]

    def compile(self, name: str, schema: ModelSchema, *, labelled: bool = False) -> CompiledMetric:
        """Compile a user metric or a built-in (with default arguments) for one model
        (`labelled`: over the rows that have a label)."""
        from telltale.metric_dsl.compiler import compile_metric

        return compile_metric(self, name, schema, labelled=labelled)

    def compile_many(self, names: Iterable[str], schema: ModelSchema) -> tuple[CompiledMetric, ...]:
        """Compile several metrics for one model (their partials overlap: see all_partials)."""
        return tuple(self.compile(n, schema) for n in names)


@lru_cache(maxsize=1)
def stdlib_files() -> tuple[tuple[ast.MetricFile, frozenset[str] | None], ...]:
    """The parsed stdlib files with the model types each applies to (cached across runs)."""
    texts = [(STDLIB_DIR / fname).read_text(encoding="utf-8") for fname, _ in STDLIB_FILES]
    cache = _stdlib_cache_path(texts)
    cached = _read_stdlib_cache(cache)
    if cached is not None:
        return cached
    out = tuple((parse_file(text, f"stdlib/{fname}", builtin=True), types)
                for text, (fname, types) in zip(texts, STDLIB_FILES))
    _write_stdlib_cache(cache, out)
    return out


def _stdlib_cache_path(texts: list[str]) -> Path | None:
    """Where the parsed stdlib is cached: keyed by the stdlib's text and the parser's sources.

    Under `$XDG_CACHE_HOME/telltale` (else `~/.cache/telltale`); None when there is no
    home folder. `TELLTALE_NO_CACHE=1` turns the cache off."""
    import hashlib
    import os
    import sys

    if os.environ.get("TELLTALE_NO_CACHE"):
        return None
    here = Path(__file__).parent
    digest = hashlib.sha256(sys.version.encode())
    for text in texts:
        digest.update(text.encode())
    for name in ("grammar.lark", "parser.py", "lark_tree.py", "ast.py", "signature.py"):
        digest.update((here / name).read_bytes())
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:
        return None
    return base / "telltale" / f"stdlib-{digest.hexdigest()[:32]}.pickle"


def _read_stdlib_cache(path: Path | None) -> tuple[tuple[ast.MetricFile, frozenset[str] | None], ...] | None:
    import pickle

    if path is None:
        return None
    try:
        value = pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - absent, unreadable or stale: parse again
        return None
    return value if isinstance(value, tuple) and len(value) == len(STDLIB_FILES) else None


def _write_stdlib_cache(path: Path | None, value: object) -> None:
    import os
    import pickle
    import tempfile

    if path is None:
        return
    try:   # written to a temporary file, then renamed: a reader never sees half a file
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".stdlib-", suffix=".tmp")
    except OSError:
        return   # a read-only home: parse on every run
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


@lru_cache(maxsize=1)
def builtin_registry() -> Mapping[str, tuple[Impl, ...]]:
    """Built-in name -> implementations (Python table first, then stdlib definitions)."""
    from telltale.metric_dsl.checks import check_definitions

    reg: dict[str, list[Impl]] = {}
    for name, specs in BY_NAME.items():
        reg[name] = [Impl(s.signature, s.model_types, spec=s) for s in specs]
    defs: list[ast.MetricDef] = []
    for mfile, types in stdlib_files():
        for d in mfile.definitions:
            reg.setdefault(d.name, []).append(Impl(def_signature(d), types, definition=d))
            defs.append(d)
    frozen = MappingProxyType({k: tuple(v) for k, v in reg.items()})
    errors = check_definitions(defs, frozen, stdlib=True)
    if errors:  # a broken stdlib is a bug in telltale, not in the user's project
        raise DSLErrorGroup(errors)
    return frozen


def stdlib_library() -> MetricLibrary:
    """A library with the built-ins only."""
    return MetricLibrary(MappingProxyType({}), builtin_registry(), ())


def parse_sources(sources: Sequence[tuple[str, str]]) -> tuple[list[ast.MetricDef], list[DSLError]]:
    """Parse (path, text) pairs; syntax errors are collected, one per file."""
    defs: list[ast.MetricDef] = []
    errors: list[DSLError] = []
    for path, text in sources:
        try:
            defs.extend(parse_file(text, path).definitions)
        except DSLError as e:
            errors.append(e)
    return defs, errors


def library_from_sources(sources: Sequence[tuple[str, str]]) -> MetricLibrary:
    """Stdlib + user sources given as (path, text); every error raised at once (DSLErrorGroup)."""
    from telltale.metric_dsl.checks import check_definitions

    builtins = builtin_registry()
    defs, errors = parse_sources(sources)
    errors += check_definitions(defs, builtins)
    if errors:
        raise errors[0] if len(errors) == 1 else DSLErrorGroup(errors)
    user: dict[str, ast.MetricDef] = {}
    for d in defs:
        user.setdefault(d.name, d)
    return MetricLibrary(MappingProxyType(user), builtins, tuple(p for p, _ in sources))


def _display(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return path.resolve().relative_to(Path(base).resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def load_library(paths: list[Path], *, base: Path | None = None) -> MetricLibrary:
    """Stdlib + the user's *.metric files, all checked (DSLError, or DSLErrorGroup for several).

    Files are read in the order given; a metric may use metrics defined before it, in its
    own file or an earlier one. Errors name files relative to `base` (the project folder).
    """
    sources = []
    for p in paths:
        path = Path(p)
        try:
            text = path.read_text(encoding="utf-8-sig")    # a leading byte-order mark is dropped
        except OSError as e:
            raise DSLError(f"cannot read metric file: {e.strerror or e}; check the `metrics:` globs "
                           "in telltale.yml", file=_display(path, base), line=0, column=0) from None
        except UnicodeDecodeError as e:
            before = path.read_bytes()[:e.start]
            raise DSLError(f"the file is not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset "
                           f"{e.start}); save it as UTF-8", file=_display(path, base),
                           line=before.count(b"\n") + 1, column=e.start - (before.rfind(b"\n") + 1) + 1) from None
        sources.append((_display(path, base), text))
    return library_from_sources(sources)
