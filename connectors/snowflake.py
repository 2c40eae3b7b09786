"""Snowflake (snowflake-connector-python): its dialect; the connector follows."""

from __future__ import annotations

from telltale.connectors.dialect import Dialect

DIALECT = Dialect(name="snowflake", sample="seeded", identifier_case="upper", time_literal="string",
                  bytes_scanned=True, boolean_to_number="via_int")
"""Unquoted names fold to upper case in Snowflake: names in the config are matched the same
way (a table created as `predictions` is PREDICTIONS); result columns come back under the
planner's names."""
