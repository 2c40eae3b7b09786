"""The store's tables as the latest migration leaves them (used to build queries).

Migrations (migrations.py) create and alter the tables; this module only describes them.
`column` is `""` for model-level results and `segment_key` is `""` for all rows, so
every key column is NOT NULL and compares with `=`.
"""

from __future__ import annotations

import sqlalchemy as sa

from telltale.store.coltypes import JSONText, PartialValue, UTCDateTime

metadata = sa.MetaData()

runs = sa.Table(
    "runs", metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("exit_code", sa.Integer),
    sa.Column("summary", JSONText),
)

partials = sa.Table(
    "partials", metadata,
    sa.Column("model", sa.String(200), primary_key=True),
    sa.Column("granularity", sa.String(16), primary_key=True),
    sa.Column("fingerprint", sa.String(64), primary_key=True),   # of what shaped the values
    sa.Column("bucket_start", UTCDateTime, primary_key=True),
    sa.Column("segment_key", sa.Text, primary_key=True),
    sa.Column("partial_key", sa.Text, primary_key=True),
    sa.Column("value", PartialValue, nullable=False),
    sa.Column("final", sa.Boolean, nullable=False),
    sa.Column("computed_at", UTCDateTime, nullable=False),
    sa.Column("run_id", sa.String(64)),
)

grids = sa.Table(
    "grids", metadata,
    sa.Column("model", sa.String(200), primary_key=True),
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("expr_key", sa.Text, primary_key=True),
    sa.Column("grid", JSONText, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

metric_points = sa.Table(
    "metric_points", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("monitor", sa.String(200), nullable=False),
    sa.Column("column", sa.Text, nullable=False),
    sa.Column("segment_key", sa.Text, nullable=False),
    sa.Column("metric", sa.String(200), nullable=False),
    sa.Column("value", sa.Double),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("window_start", UTCDateTime),
    sa.Column("window_end", UTCDateTime),
    sa.Column("extra", JSONText),
)

alerts = sa.Table(
    "alerts", metadata,
    sa.Column("alert_id", sa.String(64), primary_key=True),
    sa.Column("monitor", sa.String(200), nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("column", sa.Text, nullable=False),
    sa.Column("segment_key", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),          # open | resolved
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("resolved_at", UTCDateTime),
    sa.Column("fired_at", UTCDateTime),                           # firing notice queued
    sa.Column("suppressed", sa.String(32)),                       # cooldown | daily_cap
    sa.Column("last_value", sa.Double),
    sa.Column("last_run_id", sa.String(64)),
    sa.Column("last_sent_at", UTCDateTime),
    sa.Column("payload", JSONText),
    sa.Column("project", sa.String(200)),                         # `project:` of its config, or NULL
    sa.Column("resolved_reason", sa.Text),                        # e.g. its monitor was removed
)

outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.String(64), nullable=False),
    sa.Column("channel", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),           # firing | resolved
    sa.Column("idempotency_key", sa.String(200), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),                # the exact body bytes (UTF-8)
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("delivered_at", UTCDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("claimed_by", sa.String(200)),                      # host:pid:token of the sender
    sa.Column("lease_until", UTCDateTime),                        # claimed until (no lock held)
)

alert_refs = sa.Table(
    "alert_refs", metadata,
    sa.Column("alert_id", sa.String(64), primary_key=True),
    sa.Column("channel", sa.String(200), primary_key=True),
    sa.Column("ref", sa.Text, nullable=False),                    # JIRA issue key, dedup key, ts
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

leases = sa.Table(
    "leases", metadata,
    sa.Column("model", sa.String(200), primary_key=True),
    sa.Column("monitor", sa.String(200), primary_key=True),
    sa.Column("due_at", UTCDateTime, primary_key=True),           # the scheduled (cron) time
    sa.Column("holder", sa.String(200), nullable=False),          # which serve process holds it
    sa.Column("state", sa.String(16), nullable=False),            # running | done
    sa.Column("acquired_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),         # a crashed holder's lease lapses
    sa.Column("run_id", sa.String(64)),
)
