"""Small portable SQL helpers: upsert and insert-if-absent for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

CHUNK = 500


def _dialect_insert(conn: Connection, table: sa.Table) -> Any | None:
    name = conn.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects import sqlite
        return sqlite.insert(table)
    if name == "postgresql":
        from sqlalchemy.dialects import postgresql
        return postgresql.insert(table)
    return None


def upsert(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]],
           keys: Sequence[str], update: Sequence[str], *, keep_true: str | None = None) -> None:
    """Insert rows, replacing the `update` columns of rows whose `keys` already exist (executemany).

    With `keep_true` (a boolean column), a stored row where that column is true is only
    replaced by a row where it is true too (a final value is never replaced by a tentative one).
    """
    if not rows:
        return
    stmt = _dialect_insert(conn, table)
    if stmt is None:
        _generic_upsert(conn, table, rows, keys, update, keep_true)
        return
    where = None
    if keep_true is not None:
        where = sa.or_(table.c[keep_true] == sa.false(), stmt.excluded[keep_true] == sa.true())
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in update}, where=where)
    for i in range(0, len(rows), CHUNK):
        conn.execute(stmt, list(rows[i:i + CHUNK]))


def insert_ignore(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]],
                  keys: Sequence[str]) -> None:
    """Insert rows, skipping those whose `keys` already exist (executemany)."""
    if not rows:
        return
    stmt = _dialect_insert(conn, table)
    if stmt is None:
        for row in rows:
            if not _exists(conn, table, row, keys):
                conn.execute(sa.insert(table), [row])
        return
    stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    for i in range(0, len(rows), CHUNK):
        conn.execute(stmt, list(rows[i:i + CHUNK]))


def _exists(conn: Connection, table: sa.Table, row: dict[str, Any], keys: Iterable[str]) -> bool:
    cond = sa.and_(*(table.c[k] == row[k] for k in keys))
    return conn.execute(sa.select(sa.literal(1)).select_from(table).where(cond)).first() is not None


def _generic_upsert(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]],
                    keys: Sequence[str], update: Sequence[str], keep_true: str | None = None) -> None:
    for row in rows:
        cond = sa.and_(*(table.c[k] == row[k] for k in keys))
        if _exists(conn, table, row, keys):
            if keep_true is not None and not row[keep_true]:
                cond = sa.and_(cond, table.c[keep_true] == sa.false())
            conn.execute(sa.update(table).where(cond).values({c: row[c] for c in update}))
        else:
            conn.execute(sa.insert(table), [row])
