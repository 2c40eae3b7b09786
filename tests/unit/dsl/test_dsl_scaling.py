"""Which metrics are counts (scaled to the focal window's length by `change`) and which are
ratios, read from the formula (metric_dsl/scaling.py)."""

from __future__ import annotations

import pytest
from telltale.metric_dsl import compile_expression
from telltale.metric_dsl.scaling import is_extensive


@pytest.mark.parametrize("text, want", [
    ("count()", True),
    ("sum(features.income[features.region == \"EU\"])", True),
    ("5 * tp_count(predictions.approved, actuals.defaulted) - 2 * fp_count(predictions.approved, actuals.defaulted)", True),
    ("-count() / 7", True),
    ("abs(sum(features.income))", True),
    ("missing_count(features.income)", True),
    ("actuals_count()", True),
    ("mean(features.income)", False),
    ("count([features.has_car]) / count()", False),
    ("missing_ratio(features.income)", False),
    ("f1", False),
    ("auc_roc", False),
    ("quantile(features.income, 0.9)", False),
    ("max(features.income) - min(features.income)", False),
    ("sqrt(mean(features.income))", False),
    ("count() + 1", "affine"),        # counts plus a constant: counts scaled, then the formula
    ("2 * count() - mean(features.income)", "affine"),
    ("variance(features.income)", False),   # a spread: does not grow with the window
    ("count() ** 2", None),
    ("count_distinct(features.region)", None),
])
def test_extensive_from_the_formula(text: str, want: bool | str | None, binary_schema) -> None:
    assert is_extensive(compile_expression(text, binary_schema).final) is want
