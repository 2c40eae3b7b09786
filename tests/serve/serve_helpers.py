"""Shared constants of the serve tests."""

from __future__ import annotations

HISTORY_DAYS = 10
"""Days of history the demo fixture backfills before its last (alerting) run."""
