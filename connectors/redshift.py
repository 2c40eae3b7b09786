"""Amazon Redshift (redshift_connector or psycopg): its dialect; the connector follows."""

from __future__ import annotations

from telltale.connectors.dialect import Dialect

DIALECT = Dialect(name="redshift", quantile="within_group", quantile_columns_per_statement=1,
                  sample="none", time_literal="string")
"""Redshift rejects PERCENTILE_CONT with different ORDER BY columns in one statement: one
column's bin edges per statement; no TABLESAMPLE, so the baseline is read whole once."""
