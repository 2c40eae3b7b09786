"""The state store: runs, per-bucket partials, grids, metric history, alerts and the outbox.

SQLAlchemy Core over SQLite (default) or PostgreSQL, with a versioned schema::

    store = open_store("sqlite:///.telltale/state.db", base_dir=project_dir)
    run_id = store.begin_run(at)
    with store.transaction():            # one transaction per run step
        store.put_partials("credit", "day", rows, run_id=run_id)
"""

from __future__ import annotations

from telltale.store.engine import DEFAULT_URL
from telltale.store.history import points_from_results
from telltale.store.migrations import LATEST_VERSION, MIGRATIONS, Migration, current_version, migrate
from telltale.store.outbox import OutboxLease, new_owner, owner_alive
from telltale.store.records import (
    AlertKey,
    AlertRecord,
    MetricPoint,
    OutboxMessage,
    OutboxRow,
    PartialRow,
    RunRecord,
    StoredPartials,
)
from telltale.store.store import Store, open_store, open_store_readonly, resolve_url

__all__ = [
    "DEFAULT_URL", "LATEST_VERSION", "MIGRATIONS", "AlertKey", "AlertRecord", "MetricPoint", "Migration",
    "OutboxLease", "OutboxMessage", "OutboxRow", "PartialRow", "RunRecord", "Store", "StoredPartials",
    "current_version", "migrate", "new_owner", "owner_alive", "open_store", "open_store_readonly", "points_from_results", "resolve_url",
]
