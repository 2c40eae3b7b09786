"""The config building blocks, re-exported: they live in `telltale.configbase.values`."""

from __future__ import annotations

from telltale.configbase.values import (Cron, Duration, HttpUrl, Name, Number, PositiveDuration,
                                        Scalar, Severity, StrictModel, Timeout, WholeNumber, fail,
                                        str_tuple, union_types)

__all__ = ["Cron", "Duration", "HttpUrl", "Name", "Number", "PositiveDuration", "Scalar", "Severity",
           "StrictModel", "Timeout", "WholeNumber", "fail", "str_tuple", "union_types"]
