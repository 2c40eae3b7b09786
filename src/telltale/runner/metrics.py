"""Compiling the metric language for a run: the project's DSL files, checked up front."""

from __future__ import annotations

from typing import Any

from telltale.runner.modelctx import model_schema

METRIC_TYPES = ("custom_metric", "performance_degradation")


class MetricCompiler:
    """Loads the project's metric files once and compiles metrics per model (cached)."""

    def __init__(self, project: Any) -> None:
        from telltale.metric_dsl import load_library

        self.project = project
        self.library = load_library(list(project.metric_files), base=project.root)
        self._cache: dict[tuple[str, str], Any] = {}

    def compile(self, model: str, text: str, at: tuple[int, int] | None = None) -> Any:
        """A CompiledMetric for a metric name or an inline expression on a model.

        `at` is where the expression is written in telltale.yml (line, column), so an
        error in an inline metric points there.
        """
        key = (model, text)
        if key not in self._cache:
            from telltale.metric_dsl import compile_expression

            schema = model_schema(self.project, model)
            if text in self.library.user:
                self._cache[key] = self.library.compile(text, schema)
            else:
                line, column = at or (1, 1)
                self._cache[key] = compile_expression(text, schema, library=self.library,
                                                      source=self.project.config_path.name,
                                                      line=line, column=column)
        return self._cache[key]

    def check(self, monitors: list[Any]) -> None:
        """Compile every metric the monitors use, raising the first DSL error."""
        every = list(self.project.config.monitors)
        for m in monitors:
            if m.type in METRIC_TYPES:
                index = next(i for i, c in enumerate(every) if c is m)
                at = self.project.source_map.value_at(("monitors", index, "metric"))
                self.compile(m.model, str(m.metric), at)

    def check_files(self) -> list[Any]:
        """The DSLError of every user metric that compiles for none of the project's models.

        A metric may be written for one model only (its fields exist there), so it is an
        error only when no model can compile it; the message is the first model's error.
        """
        from telltale.errors import DSLError

        problems = []
        models = list(self.project.config.models)
        for name in self.library.names():
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
