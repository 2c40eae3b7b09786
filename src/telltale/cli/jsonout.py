"""The run's JSON for machines made strict: no NaN or infinity tokens (no rich here)."""

from __future__ import annotations

from telltale.core.finite import strict_json

__all__ = ["strict_json"]
