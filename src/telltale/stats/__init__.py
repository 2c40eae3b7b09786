"""Statistics computed in Python from merged summaries (histograms, category and
confusion counts): drift distances, histogram quantiles and moments, classification
metrics. Formulas and measured error bounds: docs/statistics.md."""

from __future__ import annotations

from telltale.stats.classification import auc_from_hists, multiclass_metric
from telltale.stats.drift import (
    CATEGORICAL_METHODS,
    KINDS,
    METHODS,
    PSI_EPSILON,
    DriftValue,
    NumericSummary,
    baseline_std,
    chi2,
    chi2_from_counts,
    drift,
    hellinger,
    hellinger_from_counts,
    js,
    js_from_counts,
    ks,
    ks_pvalue,
    psi,
    psi_from_counts,
    wasserstein,
    wasserstein_distance,
)
from telltale.stats.errors import UnsupportedStatisticError
from telltale.stats.histogram import (
    cdf_at_edges,
    cdf_eval,
    cdf_knots,
    coarse_boundaries,
    coarsen,
    mean_from_hist,
    quantile_from_hist,
    std_from_hist,
    std_from_moments,
)

__all__ = [
    "CATEGORICAL_METHODS", "KINDS", "METHODS", "PSI_EPSILON", "DriftValue", "NumericSummary",
    "UnsupportedStatisticError", "auc_from_hists", "baseline_std", "cdf_at_edges", "cdf_eval", "cdf_knots",
    "chi2", "chi2_from_counts", "coarse_boundaries", "coarsen", "drift", "hellinger",
    "hellinger_from_counts", "js", "js_from_counts", "ks", "ks_pvalue", "mean_from_hist",
    "multiclass_metric", "psi", "psi_from_counts", "quantile_from_hist", "std_from_hist",
    "std_from_moments", "wasserstein", "wasserstein_distance",
]
