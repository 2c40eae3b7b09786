"""Fuzzing the metric language directly (no CLI, so many more cases per second).

Any text, valid or mutated, either compiles or raises DSLError located in its file; what
compiles renders to SQL in every dialect and evaluates to a finite number or None.
"""

from __future__ import annotations

import math

from fuzz_gen import BAD_METRICS, metric_source, random_text, text_mutation
from fuzz_profiles import fuzz
from hypothesis import given
from hypothesis import strategies as st
from telltale.metric_dsl import FieldInfo, ModelSchema, library_from_sources

from telltale.errors import DSLError
from telltale.core.partials import PartialValues

SCHEMA = ModelSchema("binary", {
    "features": {"x": FieldInfo("x", "numeric"), "n": FieldInfo("n", "numeric"),
                 "cat": FieldInfo("cat", "categorical"), "flag": FieldInfo("flag", "boolean")},
    "predictions": {"score": FieldInfo("score", "numeric")},
    "actuals": {"label": FieldInfo("label", "boolean")},
})
DIALECTS = ("duckdb", "postgres", "snowflake", "bigquery", "redshift", "databricks", "trino")
PATH = "metrics/f.metric"


@st.composite
def metric_text(draw) -> str:
    source, _ = draw(metric_source())
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return source
    if kind == 1:
        return source + draw(st.sampled_from(sorted(BAD_METRICS.values()))) + "\n"
    if kind == 2:
        for _ in range(draw(st.integers(1, 4))):
            source = draw(text_mutation(source))
        return source
    return "metric m = " + draw(random_text()) + "\n"


def located(e: DSLError) -> bool:
    return e.file == PATH and e.line >= 1


@fuzz(weight=8)
@given(text=metric_text())
def test_metric_text_compiles_or_is_a_located_dsl_error(text: str) -> None:
    try:
        library = library_from_sources([(PATH, text)])
    except DSLError as e:
        for err in getattr(e, "errors", [e]):
            assert located(err), f"{err!r} for {text!r}"
        return
    for name in library.names():
        d = library.user[name]
        if d.params and any(p.default is None for p in d.params):
            continue
        try:
            metric = library.compile(name, SCHEMA)
        except DSLError as e:
            assert located(e), f"{e!r} for {text!r}"
            continue
        for p in metric.partials:
            for tree in (p.expr, p.expr2, p.filter):
                if tree is not None:
                    for dialect in DIALECTS:
                        assert tree.sql(dialect=dialect)
        value = metric.evaluate(PartialValues({}))
        assert value is None or math.isfinite(value), f"{value!r} for {text!r}"
