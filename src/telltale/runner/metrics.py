"""Compiling the metric language for a run: the project's DSL files, checked up front."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telltale.runner.modelctx import model_schema

if TYPE_CHECKING:
    from telltale.config.project import Project


METRIC_TYPES = ("custom_metric", "performance_degradation")
_DEFINES = re.compile(r"^\s*metric\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


def _display(path: Path, root: Path) -> str:
    """A metric file's name as DSL errors write it (relative to the project folder)."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


class MetricCompiler:
    """Loads the project's metric files once and compiles metrics per model (cached)."""

    def __init__(self, project: Project, library: Any = None) -> None:
        self.project = project
        self._library = library
        self._cache: dict[tuple[str, str, bool], Any] = {}
        if library is None and project.metric_files:
            self._library = self._load()     # the project's own files are checked up front

    def _load(self) -> Any:
        from telltale.metric_dsl import load_library

        return load_library(list(self.project.metric_files), base=self.project.root)

    @property
    def library(self) -> Any:
        """The metric library: the project's files on the standard library.

        Without project files it is loaded on first use (importing the metric language
        costs 0.1-0.15 s that a run without metric monitors does not need).
        """
        if self._library is None:
            self._library = self._load()
        return self._library

    @classmethod
    def tolerant(cls, project: Project) -> tuple[MetricCompiler, list[Any], set[str]]:
        """For `validate`: a compiler over the metric files that load, every DSLError of
        the others, and the metric names those others define (not checked further).

        When every file loads this is the ordinary compiler and no error.
        """
        from telltale.errors import DSLError
        from telltale.metric_dsl import stdlib_library
        from telltale.metric_dsl.library import library_from_sources

        try:
            return cls(project), [], set()
        except DSLError as exc:
            errors: list[DSLError] = list(getattr(exc, "errors", None) or [exc])
        bad = {e.file for e in errors}
        sources: list[tuple[str, str]] = []
        skipped: set[str] = set()
        for path in project.metric_files:
            name = _display(Path(path), project.root)
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                bad.add(name)
                continue
            if name in bad:
                skipped.update(_DEFINES.findall(text))
            else:
                sources.append((name, text))
        library = None
        while library is None and sources:
            try:
                library = library_from_sources(sources)
            except DSLError as again:       # a file that relies on a broken one
                files = {e.file for e in (getattr(again, "errors", None) or [again])}
                dropped = [s for s in sources if s[0] in files] or sources[-1:]
                for _, text in dropped:
                    skipped.update(_DEFINES.findall(text))
                sources = [s for s in sources if s not in dropped]
        return cls(project, library or stdlib_library()), errors, skipped

    def compile(self, model: str, text: str, at: tuple[int, int] | None = None,
                labelled: bool = False) -> Any:
        """A CompiledMetric for a metric name or an inline expression on a model.

        `at` is where the expression is written in telltale.yml (line, column), so an
        error in an inline metric points there. `labelled`: over the rows that have a label
        (performance_degradation).
        """
        key = (model, text, labelled)
        if key not in self._cache:
            from telltale.metric_dsl import compile_expression

            schema = model_schema(self.project, model)
            if text in self.library.user:
                self._cache[key] = self.library.compile(text, schema, labelled=labelled)
            else:
                line, column = at or (1, 1)
                self._cache[key] = compile_expression(text, schema, library=self.library,
                                                      source=self.project.config_path.name,
                                                      line=line, column=column, labelled=labelled)
        return self._cache[key]

    def check(self, monitors: list[Any]) -> None:
        """Compile every metric the monitors use, raising the first DSL error."""
        problems = self.problems(monitors, first=True)
        if problems:
            raise problems[0]

    def problems(self, monitors: list[Any], *, skip: set[str] = frozenset(),  # type: ignore[assignment]
                 first: bool = False) -> list[Any]:
        """The DSLError of every monitor whose metric does not compile (`first`: stop at one).

        Monitors naming a metric in `skip` (defined in a file that did not load) are not
        checked: that file's own error is reported instead.
        """
        from telltale.errors import DSLError

        every = list(self.project.config.monitors)
        out: list[Any] = []
        for m in monitors:
            if m.type not in METRIC_TYPES or str(m.metric) in skip:
                continue
            index = next(i for i, c in enumerate(every) if c is m)
            at = self.project.source_map.value_at(("monitors", index, "metric"))
            try:
                self.compile(m.model, str(m.metric), at, labelled=m.labelled_rows)
            except DSLError as exc:
                out.append(exc)
                if first:
                    break
        return out

    def check_files(self) -> list[Any]:
        """The DSLError of every user metric that compiles for none of the project's models.

        A metric may be written for one model only (its fields exist there), so it is an
        error only when no model can compile it; the message is the first model's error.
        """
        from telltale.errors import DSLError

        problems = []
        models = list(self.project.config.models)
        from telltale.metric_dsl.library import def_signature

        for name in self.library.names():
            d = self.library.user.get(name)
            if d is not None and not def_signature(d).all_defaulted():
                continue   # a metric with required parameters is checked where it is used
            errors = []
            for model in models:
                try:
                    self.library.compile(name, model_schema(self.project, model))
                    break
                except DSLError as exc:
                    errors.append(exc)
            else:
                if errors:
                    problems.append(errors[0])
        return problems
