"""`Store`, the one object the rest of telltale talks to, and `open_store`."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from sqlalchemy.engine import make_url

from telltale.store.alert_state import AlertStateMixin
from telltale.store.engine import DEFAULT_URL, create_store_engine
from telltale.store.history import HistoryMixin
from telltale.store.leases import LeasesMixin
from telltale.store.migrations import MIGRATIONS, Migration, migrate
from telltale.store.outbox import OutboxMixin
from telltale.store.partials import PartialsMixin
from telltale.store.runs import RunsMixin


class Store(RunsMixin, PartialsMixin, HistoryMixin, AlertStateMixin, OutboxMixin, LeasesMixin):
    """The state store: runs, partials, grids, metric history, alerts and the outbox.

    Datetimes go in and come out as aware UTC (naive ones are taken as UTC). Each method
    is one transaction unless called inside `with store.transaction():`.
    """


def resolve_url(url: str, base_dir: str | Path | None = None) -> str:
    """Make a relative SQLite path relative to `base_dir` (the project folder)."""
    if base_dir is None:
        return url
    parsed = make_url(url)
    db = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or db in ("", ":memory:") or Path(db).is_absolute():
        return url
    return parsed.set(database=str(Path(base_dir) / db)).render_as_string(hide_password=False)


def open_store(url: str = DEFAULT_URL, *, base_dir: str | Path | None = None,
               migrations: Sequence[Migration] = MIGRATIONS, echo: bool = False) -> Store:
    """Open (and create or migrate to the latest schema) the store at a SQLAlchemy URL.

    A relative SQLite path is taken relative to `base_dir` (default: the current folder);
    its folder is created. Raises StoreError when the store cannot be opened or was
    written by a newer telltale.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from telltale.errors import StoreUnavailableError

    engine = create_store_engine(resolve_url(url, base_dir), echo=echo)
    try:
        version = migrate(engine, migrations)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreUnavailableError(f"cannot open the state store at "
                         f"{engine.url.render_as_string(hide_password=True)}: {exc}") from exc
    except Exception:
        engine.dispose()
        raise
    return Store(engine, version)


def open_store_readonly(url: str = DEFAULT_URL, *, base_dir: str | Path | None = None) -> Store | None:
    """Open an existing store for reading only (`--dry-run`, `compile`); None when there is none.

    Nothing is created or migrated: a SQLite file that does not exist, or an empty
    database, gives None (the run then plans as on a fresh store). A store at an older
    schema version cannot be read without migrating it: StoreError says to run once.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from telltale.errors import StoreError, StoreUnavailableError
    from telltale.store.migrations import LATEST_VERSION, current_version

    resolved = resolve_url(url, base_dir)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database or ""
        if db in ("", ":memory:") or not Path(db).expanduser().is_file():
            return None
    engine = create_store_engine(resolved)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as conn:
            version = current_version(conn)
            conn.rollback()
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreUnavailableError(f"cannot read the state store at {shown}: {exc}") from exc
    if version == 0:
        engine.dispose()
        return None
    if version != LATEST_VERSION:
        engine.dispose()
        raise StoreError(
            f"the state store at {shown} has schema version {version}; this telltale reads version "
            f"{LATEST_VERSION}. Run `telltale run` once (it migrates the store), or upgrade telltale.")
    return Store(engine, version)
