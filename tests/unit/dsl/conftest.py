"""Fixtures for the metric language tests (helpers live in dsl_support.py)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from dsl_support import FEATURES, TABLE, make_rows, schema_of
from telltale.metric_dsl import ModelSchema


@pytest.fixture(scope="session")
def binary_schema() -> ModelSchema:
    """A credit model: boolean decision, numeric score, boolean label (+ a 0/1 label)."""
    return schema_of("binary", features=FEATURES,
                     predictions={"approved": ("approved", "boolean"), "score": ("score", "numeric")},
                     actuals={"defaulted": ("defaulted", "boolean"), "label01": ("label01", "numeric")})


@pytest.fixture(scope="session")
def regression_schema() -> ModelSchema:
    """A price model; the actual's field name differs from its column."""
    return schema_of("regression", features=FEATURES,
                     predictions={"price": ("price", "numeric")},
                     actuals={"price": ("price_actual", "numeric")})


@pytest.fixture(scope="session")
def multiclass_schema() -> ModelSchema:
    """An animal classifier with categorical prediction and label."""
    return schema_of("multiclass", features=FEATURES,
                     predictions={"animal": ("mc_pred", "categorical")},
                     actuals={"animal": ("mc_actual", "categorical")})


@pytest.fixture(scope="session")
def rows() -> pa.Table:
    """The raw rows."""
    return make_rows()


@pytest.fixture(scope="session")
def frame(rows: pa.Table) -> pd.DataFrame:
    """The raw rows as pandas (object columns keep None), for numpy / scikit-learn references."""
    return pd.DataFrame({c: pd.Series(rows.column(c).to_pylist(), dtype=object) for c in rows.column_names})


@pytest.fixture(scope="session")
def con(rows: pa.Table):
    """An in-memory DuckDB with the rows in table `predictions`."""
    c = duckdb.connect(":memory:")
    c.register("rows_view", rows)
    c.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM rows_view")
    c.unregister("rows_view")
    yield c
    c.close()

