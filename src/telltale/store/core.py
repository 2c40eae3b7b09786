"""The store's base: an engine, its schema version and transactions shared by the API."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.engine import Connection, Engine

from telltale.store.engine import begin


class StoreBase:
    """Holds the engine and hands out transactions.

    Every public store method runs in one transaction of its own, unless it is called
    inside `with store.transaction():`, in which case it joins that transaction (one
    transaction per run step: the runner wraps a step's calls in one block).
    """

    def __init__(self, engine: Engine, version: int) -> None:
        self.engine = engine
        self.version = version
        self._local = threading.local()

    @property
    def url(self) -> str:
        """The store URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """The backend's name: sqlite, postgresql, ..."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Connection]:
        """One transaction; calls made inside (on this thread) join it. Commits on success."""
        current: Connection | None = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        with begin(self.engine, write=write) as conn:
            self._local.conn = conn
            try:
                yield conn
            finally:
                self._local.conn = None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.transaction(write=False) as conn:
            yield conn

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    def __enter__(self) -> StoreBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
