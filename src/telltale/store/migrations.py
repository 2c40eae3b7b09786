"""The store's versioned schema: an ordered list of migration steps.

Each step is a plain function that runs SQLAlchemy Core DDL on a connection inside its
own transaction. Steps are frozen once released: a later change to the schema is a new
step (`ALTER`, new table, backfill), never an edit of an old one, so every store can be
brought from any version to the latest. `schema.py` holds the tables as the latest
version leaves them, for queries; a test checks that the two agree.

The applied versions are rows of `schema_version` (version, description, applied_at).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from telltale.errors import StoreError
from telltale.store.coltypes import UTCDateTime
from telltale.store.engine import begin
from telltale.core.timeutil import UTC

Upgrade = Callable[[Connection], None]


@dataclass(frozen=True)
class Migration:
    """One schema step: bring a store from `version - 1` to `version`."""

    version: int
    description: str
    upgrade: Upgrade


_version_md = sa.MetaData()
schema_version = sa.Table(
    "schema_version", _version_md,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)


def _v1_initial(conn: Connection) -> None:
    """v1: runs, partials, grids, metric_points, alerts, outbox."""
    md = sa.MetaData()
    ts = sa.DateTime(timezone=True)
    sa.Table(
        "runs", md,
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("started_at", ts, nullable=False),
        sa.Column("finished_at", ts),
        sa.Column("at", ts, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("exit_code", sa.Integer),
        sa.Column("summary", sa.Text),
    )
    sa.Table(
        "partials", md,
        sa.Column("model", sa.String(200), primary_key=True),
        sa.Column("granularity", sa.String(16), primary_key=True),
        sa.Column("bucket_start", ts, primary_key=True),
        sa.Column("segment_key", sa.Text, primary_key=True),
        sa.Column("partial_key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("final", sa.Boolean, nullable=False),
        sa.Column("computed_at", ts, nullable=False),
        sa.Column("run_id", sa.String(64)),
    )
    sa.Table(
        "grids", md,
        sa.Column("model", sa.String(200), primary_key=True),
        sa.Column("expr_key", sa.Text, primary_key=True),
        sa.Column("grid", sa.Text, nullable=False),
        sa.Column("created_at", ts, nullable=False),
    )
    points = sa.Table(
        "metric_points", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("at", ts, nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("monitor", sa.String(200), nullable=False),
        sa.Column("column", sa.Text, nullable=False),
        sa.Column("segment_key", sa.Text, nullable=False),
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("value", sa.Double),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("window_start", ts),
        sa.Column("window_end", ts),
        sa.Column("extra", sa.Text),
    )
    sa.Index("ix_metric_points_series", points.c.model, points.c.monitor, points.c["column"],
             points.c.segment_key, points.c.at)
    alerts = sa.Table(
        "alerts", md,
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("monitor", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("column", sa.Text, nullable=False),
        sa.Column("segment_key", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("opened_at", ts, nullable=False),
        sa.Column("resolved_at", ts),
        sa.Column("fired_at", ts),
        sa.Column("suppressed", sa.String(32)),
        sa.Column("last_value", sa.Double),
        sa.Column("last_run_id", sa.String(64)),
        sa.Column("last_sent_at", ts),
        sa.Column("payload", sa.Text),
    )
    key = (alerts.c.monitor, alerts.c.model, alerts.c["column"], alerts.c.segment_key)
    open_only = alerts.c.status == "open"
    sa.Index("ux_alerts_open_key", *key, unique=True, sqlite_where=open_only, postgresql_where=open_only)
    sa.Index("ix_alerts_key_status", *key, alerts.c.status)
    sa.Index("ix_alerts_monitor_fired", alerts.c.monitor, alerts.c.fired_at)
    outbox = sa.Table(
        "outbox", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", ts),
        sa.Column("delivered_at", ts),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("channel", "idempotency_key", name="ux_outbox_channel_key"),
    )
    sa.Index("ix_outbox_pending", outbox.c.delivered_at, outbox.c.id)
    sa.Index("ix_outbox_alert", outbox.c.alert_id)
    md.create_all(conn)


def _v2_fingerprints(conn: Connection) -> None:
    """v2: partials and grids keyed by the fingerprint of what they were computed from.

    SQLite cannot change a primary key in place, so both tables are rebuilt (new table,
    copy, drop, rename; the same on PostgreSQL). Rows written before v2 keep an empty
    fingerprint, which no run asks for: they are recomputed, never reused.
    """
    ts = sa.DateTime(timezone=True)
    md = sa.MetaData()
    sa.Table(
        "partials_v2", md,
        sa.Column("model", sa.String(200), primary_key=True),
        sa.Column("granularity", sa.String(16), primary_key=True),
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("bucket_start", ts, primary_key=True),
        sa.Column("segment_key", sa.Text, primary_key=True),
        sa.Column("partial_key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("final", sa.Boolean, nullable=False),
        sa.Column("computed_at", ts, nullable=False),
        sa.Column("run_id", sa.String(64)),
    )
    sa.Table(
        "grids_v2", md,
        sa.Column("model", sa.String(200), primary_key=True),
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("expr_key", sa.Text, primary_key=True),
        sa.Column("grid", sa.Text, nullable=False),
        sa.Column("created_at", ts, nullable=False),
    )
    md.create_all(conn)
    for name in ("partials", "grids"):
        old = sa.Table(name, sa.MetaData(), autoload_with=conn)
        new = md.tables[f"{name}_v2"]
        cols = [c.name for c in old.columns]
        conn.execute(sa.insert(new).from_select(
            [*cols, "fingerprint"], sa.select(*[old.c[c] for c in cols], sa.literal("").label("fingerprint"))))
        old.drop(conn)
        conn.execute(sa.text(f"ALTER TABLE {name}_v2 RENAME TO {name}"))


def _v3_leases(conn: Connection) -> None:
    """v3: scheduler leases, one row per (model, monitor, scheduled time) a `serve` evaluates."""
    ts = sa.DateTime(timezone=True)
    md = sa.MetaData()
    sa.Table(
        "leases", md,
        sa.Column("model", sa.String(200), primary_key=True),
        sa.Column("monitor", sa.String(200), primary_key=True),
        sa.Column("due_at", ts, primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("acquired_at", ts, nullable=False),
        sa.Column("expires_at", ts, nullable=False),
        sa.Column("run_id", sa.String(64)),
    )
    md.create_all(conn)


def _v4_delivery_leases(conn: Connection) -> None:
    """v4: outbox leases (claimed_by, lease_until: no lock is held while a notice is sent) and
    alert_refs (each channel's external reference of an alert: JIRA issue key, dedup key)."""
    ts = sa.DateTime(timezone=True).compile(dialect=conn.dialect)
    conn.execute(sa.text("ALTER TABLE outbox ADD COLUMN claimed_by VARCHAR(200)"))
    conn.execute(sa.text(f"ALTER TABLE outbox ADD COLUMN lease_until {ts}"))
    md = sa.MetaData()
    sa.Table(
        "alert_refs", md,
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(200), primary_key=True),
        sa.Column("ref", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    md.create_all(conn)


def _v5_alert_owner(conn: Connection) -> None:
    """v5: alerts.project (the `project:` name of the config that opened it; NULL for none) and
    alerts.resolved_reason (why it resolved other than a run finding it ok, e.g. its monitor
    was removed from the configuration)."""
    conn.execute(sa.text("ALTER TABLE alerts ADD COLUMN project VARCHAR(200)"))
    conn.execute(sa.text("ALTER TABLE alerts ADD COLUMN resolved_reason TEXT"))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema: runs, partials, grids, metric_points, alerts, outbox", _v1_initial),
    Migration(2, "partials and grids keyed by a fingerprint of their source", _v2_fingerprints),
    Migration(3, "scheduler leases: one evaluation per monitor and scheduled time", _v3_leases),
    Migration(4, "outbox leases and each channel's external reference of an alert", _v4_delivery_leases),
    Migration(5, "alerts: the project that opened them and why they resolved", _v5_alert_owner),
)
LATEST_VERSION = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    """The schema version of a store (0 for an empty database)."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0


def _check_steps(migrations: Sequence[Migration]) -> None:
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise StoreError(f"migration steps must be numbered 1, 2, 3, ... without gaps; got {versions}")


def migrate(engine: Engine, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the store to the latest version, one transaction per step; return that version.

    Raises StoreError when the store was written by a newer telltale (its version is
    above every known step): an older telltale must not touch it.
    """
    _check_steps(migrations)
    latest = migrations[-1].version if migrations else 0
    with begin(engine) as conn:
        schema_version.create(conn, checkfirst=True)
        found = current_version(conn)
    if found > latest:
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(
            f"the state store at {url} has schema version {found}, written by a newer telltale; "
            f"this telltale knows versions up to {latest}. Upgrade telltale "
            f"(pip install -U telltale) or point `store:` in telltale.yml at another database.")
    for step in migrations:
        if step.version <= found:
            continue
        with begin(engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("LOCK TABLE schema_version IN EXCLUSIVE MODE")
            if current_version(conn) >= step.version:   # another process got there first
                continue
            try:
                step.upgrade(conn)
            except Exception as exc:
                raise StoreError(f"migrating the state store to version {step.version} "
                                 f"({step.description}) failed: {exc}") from exc
            conn.execute(sa.insert(schema_version).values(
                version=step.version, description=step.description,
                applied_at=datetime.now(UTC)))
    return latest
