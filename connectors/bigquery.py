"""Google BigQuery (google-cloud-bigquery): its dialect; the connector follows."""

from __future__ import annotations

from telltale.connectors.dialect import Dialect

DIALECT = Dialect(name="bigquery", sample="unseeded", day_bucket="cast_date", time_literal="string",
                  bytes_scanned=True)
"""Time bounds as string literals, which BigQuery coerces to the column's own type (a
CAST(... AS TIMESTAMP) renders as DATETIME and cannot be compared with a TIMESTAMP column);
daily buckets as CAST(ts AS DATE), valid for TIMESTAMP, DATETIME and DATE columns."""
