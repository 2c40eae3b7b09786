"""Errors raised by telltale.stats (subclasses of the TelltaleError root)."""

from __future__ import annotations

from telltale.errors import TelltaleError


class UnsupportedStatisticError(TelltaleError):
    """A statistic was asked for a column kind, method, metric or average it does not support."""
