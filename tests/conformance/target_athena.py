"""Conformance target `athena`: moto's Athena API, each query answered by DuckDB over the dataset.

The blind spot, stated honestly: moto executes no SQL. `peers.athena_duckdb` transpiles each
query the connector sends (athena dialect) to DuckDB, runs it on the shared dataset and
serves the result as Athena's text rows. That checks the API flow (start, poll, fetch, the
Glue describe), the decoding of Athena's typed text results, and that the athena SQL means
the same as DuckDB's plan after a round trip through sqlglot; it does not check Trino's own
evaluation of that SQL (see tests/unit/connectors/test_athena.py, which parses every athena
statement with sqlglot's trino dialect).
"""

from __future__ import annotations

from typing import Iterator

import pytest

from conformance.framework import Target


@pytest.fixture
def target_athena(s3_peer, peer_dataset) -> Iterator[Target]:
    """The dataset on moto's S3, described in Glue as tt.predictions; queries answered by DuckDB."""
    import duckdb

    from peers import dataset
    from peers.athena_duckdb import answering_from_duckdb

    dataset.load_s3_parquet(peer_dataset, s3_peer.server.filesystem(), f"{s3_peer.bucket}/predictions")
    database = f"tt_{s3_peer.bucket.replace('-', '_')}"
    dataset.register_glue_table(s3_peer.server.client("glue"), database, "predictions",
                                f"s3://{s3_peer.bucket}/predictions/")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("source", peer_dataset)
    con.execute("CREATE TABLE predictions AS SELECT * FROM source")
    with answering_from_duckdb(con) as received:
        yield Target(
            connection={"type": "athena", "endpoint": s3_peer.endpoint_url, "region": s3_peer.region,
                        "database": database, "workgroup": "primary",
                        "s3_staging_dir": f"s3://{s3_peer.bucket}/athena-results/"},
            source={"table": "predictions"},
            blind_spot="moto's Athena executes no SQL: each query is answered by DuckDB after a sqlglot "
                       "athena->duckdb round trip, so Trino's own semantics (approx_percentile, decimal "
                       "arithmetic, casts) are not checked here; the athena SQL is parsed with sqlglot's "
                       "trino dialect in tests/unit/connectors/test_athena.py",
        )
        assert received, "the athena target sent no query to moto"
    con.close()
