"""Schema versions: create, migrate upward step by step, refuse a newer store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from telltale.errors import StoreError
from telltale.store import LATEST_VERSION, MIGRATIONS, Migration, PartialRow, open_store
from telltale.store.coltypes import UTCDateTime
from telltale.store.schema import metadata

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def _v2_add_notes(conn: sa.Connection) -> None:
    """A fake step: a new column on runs and a new table."""
    conn.execute(sa.text("ALTER TABLE runs ADD COLUMN notes TEXT"))
    md = sa.MetaData()
    sa.Table("annotations", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.Text))
    md.create_all(conn)


NEXT = LATEST_VERSION + 1
V2 = (*MIGRATIONS, Migration(NEXT, "fake: runs.notes and annotations", _v2_add_notes))


def _versions(url: str) -> list[int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        out = [v for (v,) in conn.execute(sa.text("SELECT version FROM schema_version ORDER BY version"))]
    engine.dispose()
    return out


def test_fresh_store_is_at_latest_version_and_matches_schema(store, store_url):
    assert store.version == LATEST_VERSION == 5
    assert _versions(store_url) == [1, 2, 3, 4, 5]
    inspector = sa.inspect(store.engine)
    for table in metadata.sorted_tables:
        found = {c["name"] for c in inspector.get_columns(table.name)}
        assert found == {c.name for c in table.columns}, table.name
        declared_pk = {c.name for c in table.primary_key.columns}
        assert set(inspector.get_pk_constraint(table.name)["constrained_columns"]) == declared_pk


def test_migrates_to_a_next_version_keeping_data(store_url):
    s1 = open_store(store_url)
    run_id = s1.begin_run(T0)
    s1.put_partials("credit", "day", [PartialRow(T0, "", "count|*", 42, final=True)])
    s1.close()

    s2 = open_store(store_url, migrations=V2)
    assert s2.version == NEXT
    assert _versions(store_url) == [*range(1, NEXT + 1)]
    cols = {c["name"] for c in sa.inspect(s2.engine).get_columns("runs")}
    assert "notes" in cols
    assert sa.inspect(s2.engine).has_table("annotations")
    assert s2.get_run(run_id) is not None
    assert s2.get_partials("credit", "day", T0, T0.replace(day=2)).values == {(T0, ""): {"count|*": 42}}
    s2.close()

    again = open_store(store_url, migrations=V2)   # idempotent: nothing left to do
    assert _versions(store_url) == [*range(1, NEXT + 1)]
    again.close()


def test_store_written_by_newer_telltale_is_refused(store_url):
    open_store(store_url, migrations=V2).close()
    with pytest.raises(StoreError, match=rf"schema version {NEXT}.*newer telltale.*up to {LATEST_VERSION}"):
        open_store(store_url)


def test_migration_steps_must_be_numbered_without_gaps(tmp_path):
    bad = (*MIGRATIONS, Migration(NEXT + 1, "gap", lambda conn: None))
    with pytest.raises(StoreError, match="without gaps"):
        open_store(f"sqlite:///{tmp_path}/s.db", migrations=bad)


def test_failed_step_rolls_back_and_says_which(tmp_path):
    def broken(conn: sa.Connection) -> None:
        conn.execute(sa.text("CREATE TABLE half_done (id INTEGER)"))
        raise RuntimeError("boom")

    url = f"sqlite:///{tmp_path}/s.db"
    with pytest.raises(StoreError, match=rf"version {NEXT} \(broken\) failed: boom"):
        open_store(url, migrations=(*MIGRATIONS, Migration(NEXT, "broken", broken)))
    s = open_store(url)
    assert s.version == LATEST_VERSION and _versions(url) == [*range(1, NEXT)]
    assert not sa.inspect(s.engine).has_table("half_done")
    s.close()


def test_sqlite_folder_is_created_relative_to_base_dir(tmp_path):
    s = open_store("sqlite:///.telltale/state.db", base_dir=tmp_path)
    s.close()
    assert (tmp_path / ".telltale" / "state.db").is_file()


def test_in_memory_sqlite_keeps_its_data_across_calls():
    s = open_store("sqlite://")
    rid = s.begin_run(T0)
    assert s.get_run(rid).status == "running"
    s.close()


@pytest.mark.parametrize("url, match", [
    ("not a url", "not a SQLAlchemy URL"),
    ("nosuchdb://x/y", "driver that is not installed"),
])
def test_bad_urls_give_a_store_error(url, match):
    with pytest.raises(StoreError, match=match):
        open_store(url)


def test_v1_store_migrates_to_fingerprinted_partials_and_grids(store_url):
    """A store written at v1 (partials and grids without a fingerprint) migrates cleanly:
    its rows are kept under the empty fingerprint, which no run asks for."""
    s1 = open_store(store_url, migrations=MIGRATIONS[:1])
    assert s1.version == 1
    when = sa.bindparam("b", type_=UTCDateTime())
    with s1.transaction() as conn:
        conn.execute(sa.text(
            "INSERT INTO partials (model, granularity, bucket_start, segment_key, partial_key, value, "
            "final, computed_at) VALUES ('credit', 'day', :b, '', 'count|*', '42', :f, :b)").bindparams(when),
            {"b": T0, "f": True})
        conn.execute(sa.text("INSERT INTO grids (model, expr_key, grid, created_at) "
                             "VALUES ('credit', :k, :g, :b)").bindparams(when),
                     {"k": '"x"', "g": '{"lo":0,"hi":1,"bins":4}', "b": T0})
    s1.close()

    s2 = open_store(store_url)
    assert s2.version == LATEST_VERSION and _versions(store_url) == [*range(1, LATEST_VERSION + 1)]
    pk = set(sa.inspect(s2.engine).get_pk_constraint("partials")["constrained_columns"])
    assert "fingerprint" in pk
    end = T0.replace(day=2)
    assert s2.get_partials("credit", "day", T0, end).values == {(T0, ""): {"count|*": 42}}
    assert s2.get_partials("credit", "day", T0, end, fingerprint="abc").values == {}
    assert s2.get_grids("credit") == {'"x"': {"lo": 0, "hi": 1, "bins": 4}}
    assert s2.get_grids("credit", fingerprint="abc") == {}
    # the same key under two fingerprints: two rows, each read back on its own
    s2.put_partials("credit", "day", [PartialRow(T0, "", "count|*", 7, final=True)], fingerprint="abc")
    assert s2.get_partials("credit", "day", T0, end, fingerprint="abc").values == {(T0, ""): {"count|*": 7}}
    assert s2.get_partials("credit", "day", T0, end).values == {(T0, ""): {"count|*": 42}}
    s2.close()


def test_v2_store_migrates_to_outbox_leases_and_alert_refs_keeping_queued_notices(store_url):
    from telltale.store import OutboxMessage, new_owner

    old = open_store(store_url, migrations=MIGRATIONS[:2])
    assert old.version == 2
    with old.engine.begin() as conn:   # a notice queued by a v2 telltale (no lease columns yet)
        conn.execute(sa.text("INSERT INTO outbox (alert_id, channel, status, idempotency_key, payload, "
                             "created_at, attempts) VALUES ('a1', 'ops', 'firing', 'a1:firing', '{}', "
                             ":t, 2)"), {"t": T0.replace(tzinfo=None)})
    old.close()
    new = open_store(store_url)
    assert new.version == 5 == LATEST_VERSION
    (row,) = new.pending_outbox()
    assert (row.idempotency_key, row.attempts, row.claimed_by, row.lease_until) == ("a1:firing", 2, None, None)
    lease = new.claim_outbox(row.id, owner=new_owner(), now=T0, lease=timedelta(minutes=5))
    assert lease is not None
    new.record_delivered(lease, T0, ref="ML-7")
    assert new.get_ref("a1", "ops") == "ML-7" and new.pending_outbox() == []
    assert new.enqueue([OutboxMessage("a1", "ops", "update", "{}", T0, key="a1:update:x")]) == 1
    new.close()


def test_v4_store_migrates_to_alert_owners_keeping_open_alerts(store_url):
    """An alert opened by a v4 telltale has no project (NULL: it belongs to whichever project
    defines its model) and no resolved_reason; it stays open and can be resolved with one."""
    old = open_store(store_url, migrations=MIGRATIONS[:4])
    assert old.version == 4
    with old.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO alerts (alert_id, monitor, model, \"column\", segment_key, status, "
                             "severity, opened_at) VALUES ('al_1', 'drift', 'credit', 'income', '', 'open', "
                             "'high', :t)"), {"t": T0.replace(tzinfo=None)})
    old.close()
    new = open_store(store_url)
    assert new.version == 5 == LATEST_VERSION
    (rec,) = new.open_alerts().values()
    assert (rec.alert_id, rec.project, rec.resolved_reason) == ("al_1", None, None)
    new.update_alert("al_1", status="resolved", resolved_at=T0, resolved_reason="monitor removed")
    assert new.get_alert("al_1").resolved_reason == "monitor removed" and new.open_alerts() == {}
    new.close()
