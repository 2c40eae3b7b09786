"""PostgreSQL (psycopg 3): its dialect; the connector follows."""

from __future__ import annotations

from telltale.connectors.dialect import Dialect

DIALECT = Dialect(name="postgres", quantile="within_group", sample="seeded", time_literal="string")
"""Exact PERCENTILE_CONT for bin edges on a seeded block sample; time bounds as string literals
coerced to the column's type (the session is pinned to UTC)."""
