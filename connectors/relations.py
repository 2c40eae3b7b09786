"""Building FROM-able relations (tables, user SELECTs) as sqlglot trees, identifiers quoted."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from telltale.connectors.dialect import USER_SQL
from telltale.connectors.safety import ensure_select
from telltale.errors import ConfigError


def table_relation(name: str, dialect: str) -> exp.Table:
    """A quoted table reference from `table`, `schema.table` or `db.schema.table`."""
    parts = [p.strip('"`') for p in name.split(".")]
    if not all(parts) or len(parts) > 3:
        raise ConfigError(f"'{name}' is not a table name; write table, schema.table or db.schema.table")
    ident = [exp.to_identifier(p, quoted=True) for p in parts]
    if len(ident) == 1:
        return exp.Table(this=ident[0])
    if len(ident) == 2:
        return exp.Table(this=ident[1], db=ident[0])
    return exp.Table(this=ident[2], db=ident[1], catalog=ident[0])


def sql_relation(sql: str, dialect: str) -> exp.Expression:
    """A user's `source.sql` as a subquery, checked to be a single SELECT."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.ParseError as exc:
        raise ConfigError(f"source.sql does not parse as {dialect} SQL: {exc}") from exc
    sub = ensure_select(tree).subquery()
    sub.meta[USER_SQL] = True   # its identifiers stay as the user wrote them (see Dialect.render)
    return sub


def aliased(relation: exp.Expression, alias: str) -> exp.Expression:
    """Give a table or subquery relation an alias (a copy; the input is not changed)."""
    rel = relation.copy()
    rel.set("alias", exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))
    return rel
