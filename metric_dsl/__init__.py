"""The telltale metric language: parse, check and compile *.metric files into partials.

Public API (what the planner and runner call)::

    library = load_library(paths, base=project_dir)        # stdlib + user files, checked
    metric = library.compile("approval_rate", schema)      # -> CompiledMetric
    metric = compile_expression("f1", schema)              # a metric written inline
    errors = check_library(library, schema)                # every error, for `validate`
    partials = all_partials([m1, m2])                      # the union to push down
    value = metric.evaluate(partial_values)                # after merging buckets
"""

from __future__ import annotations

from telltale.metric_dsl.checks import check_library
from telltale.metric_dsl.compiler import (
                                          CompiledMetric,
                                          all_partials,
                                          compile_expression,
                                          compile_metric,
)
from telltale.metric_dsl.diagnostics import DSLErrorGroup
from telltale.metric_dsl.library import (
                                          MetricLibrary,
                                          library_from_sources,
                                          load_library,
                                          stdlib_library,
)
from telltale.metric_dsl.parser import parse_expression, parse_file
from telltale.metric_dsl.schema import FieldInfo, ModelSchema

__all__ = [
    "CompiledMetric", "DSLErrorGroup", "FieldInfo", "MetricLibrary", "ModelSchema",
    "all_partials", "check_library", "compile_expression", "compile_metric",
    "library_from_sources", "load_library", "parse_expression", "parse_file", "stdlib_library",
]
