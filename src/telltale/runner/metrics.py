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

    def compile(self, model: str, text: str) -> Any:
        """A CompiledMetric for a metric name or an inline expression on a model."""
        key = (model, text)
        if key not in self._cache:
            from telltale.metric_dsl import compile_expression

            schema = model_schema(self.project, model)
            if text in self.library.user:
                self._cache[key] = self.library.compile(text, schema)
            else:
                self._cache[key] = compile_expression(text, schema, library=self.library,
                                                      source=self.project.config_path.name)
        return self._cache[key]

    def check(self, monitors: list[Any]) -> None:
        """Compile every metric the monitors use, raising the first DSL error."""
        for m in monitors:
            if m.type in METRIC_TYPES:
                self.compile(m.model, str(m.metric))
