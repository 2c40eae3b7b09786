"""Amazon Athena (Trino SQL over the Glue catalog): its dialect; the connector follows."""

from __future__ import annotations

from telltale.connectors.dialect import Dialect

DIALECT = Dialect(name="athena", sample="unseeded", bytes_scanned=True)
"""approx_percentile for bin edges; time bounds as CAST('...' AS TIMESTAMP) (Trino does not
coerce strings to timestamps)."""
