import gevent
import gevent.event
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text

from tests.conftest import PG_URL
from ukm_actors.db import Database, DatabaseError, WriterBusy
from ukm_actors.db.leases import held, release, try_acquire
from ukm_actors.db.models import InfraBase

md = MetaData()
notes = Table("notes", md, Column("id", Integer, primary_key=True), Column("body", String(50)))


@pytest.fixture
def db(database):
    md.create_all(database.engine)
    InfraBase.metadata.create_all(database.engine)
    return database


def test_write_commits_and_error_rolls_back(db):
    with db.write() as s:
        s.execute(insert(notes).values(id=1, body="kept"))
    with pytest.raises(RuntimeError):
        with db.write() as s:
            s.execute(insert(notes).values(id=2, body="lost"))
            raise RuntimeError("crash mid-transaction")
    with db.read() as s:
        assert s.execute(select(notes.c.body)).scalars().all() == ["kept"]


def test_sqlite_runs_with_wal_and_foreign_keys(db):
    if db.dialect != "sqlite":
        pytest.skip("SQLite only")
    with db.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_many_greenlets_write_without_deadlock(db):
    def writer(n):
        for i in range(20):
            with db.write() as s:
                s.execute(insert(notes).values(id=n * 100 + i, body="x"))
                gevent.sleep(0)  # yield while holding the transaction

    gevent.joinall([gevent.spawn(writer, n) for n in range(10)], raise_error=True)
    with db.read() as s:
        assert len(s.execute(select(notes.c.id)).all()) == 200


def test_nested_write_is_refused_on_sqlite(db):
    if db.dialect != "sqlite":
        pytest.skip("SQLite only")
    with db.write():
        with pytest.raises(DatabaseError, match="nested write"):
            with db.write():
                pass


def test_a_writer_that_will_not_wait_long_is_told_the_database_is_busy(db):
    if db.dialect != "sqlite":
        pytest.skip("SQLite only: PostgreSQL has no single writer")
    holding, release_it = gevent.event.Event(), gevent.event.Event()

    def long_writer():
        with db.write() as s:
            s.execute(insert(notes).values(id=1, body="long"))
            holding.set()
            release_it.wait()

    g = gevent.spawn(long_writer)
    holding.wait(timeout=10)
    with pytest.raises(WriterBusy, match="held the database") as caught:
        with db.write(wait=0.05) as s:
            s.execute(insert(notes).values(id=2, body="never"))
    assert caught.value.http_status == 503
    with pytest.raises(WriterBusy):
        with db.write_connection(wait=0.05):
            pass
    release_it.set()
    g.get(timeout=10)
    with db.write(wait=5) as s:  # the lock is free again: no wait at all
        s.execute(insert(notes).values(id=3, body="after"))
    with db.read() as s:
        assert s.execute(select(notes.c.id)).scalars().all() == [1, 3]


def test_bad_urls_get_clear_errors():
    with pytest.raises(DatabaseError, match="no database URL"):
        Database("")
    with pytest.raises(DatabaseError, match="unsupported database 'mysql'"):
        Database("mysql://root@localhost/test")
    with pytest.raises(DatabaseError, match="psycopg"):
        Database("postgresql+psycopg2://postgres@127.0.0.1/test")


def test_leases_give_work_to_exactly_one_holder(db):
    with db.write() as s:
        assert try_acquire(s, "import", "node-a", ttl=30)
    with db.write() as s:
        assert not try_acquire(s, "import", "node-b", ttl=30)
    with db.write() as s:
        assert try_acquire(s, "import", "node-a", ttl=30), "renewal by the holder"
        release(s, "import", "node-a")
    with db.write() as s:
        assert try_acquire(s, "import", "node-b", ttl=0.001)
    gevent.sleep(0.01)
    with db.write() as s:
        assert try_acquire(s, "import", "node-c", ttl=30), "an expired lease is taken over"


def test_leases_say_who_holds_what_since_when(db):
    with db.write() as s:
        assert try_acquire(s, "export", "node-a", ttl=0.05)
    with db.read() as s:
        (first,) = held(s, "node-a")
    assert first["holder"] == "node-a" and first["mine"] and not first["expired"]
    gevent.sleep(1.1)
    with db.read() as s:
        assert held(s)[0]["expired"]
    with db.write() as s:
        assert try_acquire(s, "export", "node-a", ttl=30), "taken again after it ran out"
    with db.read() as s:
        (again,) = held(s, "node-b")
    assert again["since"] > first["since"] and "mine" not in again
    gevent.sleep(1.1)
    with db.write() as s:
        assert try_acquire(s, "export", "node-a", ttl=30)
    with db.read() as s:
        assert held(s)[0]["since"] == again["since"], "a renewal keeps the time it was taken"


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only")
def test_postgres_queries_run_concurrently_under_gevent(db):
    """psycopg waits cooperatively: a quick query finishes while another greenlet's
    long query is still running (with a blocking wait it could not even start)."""
    import psycopg.waiting

    assert psycopg.waiting.wait.__name__ != "wait_c"
    events = []

    def slow():
        with db.read() as s:
            s.execute(text("SELECT pg_sleep(1.5)"))
        events.append("slow done")

    g = gevent.spawn(slow)
    gevent.sleep(0.05)
    with db.read() as s:
        s.execute(text("SELECT 1"))
    events.append("quick done")
    g.get(timeout=10)
    assert events == ["quick done", "slow done"]


def test_size_is_reported(db):
    assert (db.size_bytes() or 0) > 0


@pytest.mark.skipif(not PG_URL, reason="advisory locks are PostgreSQL's")
def test_migration_lock_is_per_schema(make_db_url):
    """A node migrating in one schema does not hold up a node in another (same database)."""
    from pathlib import Path

    from ukm_actors.db.locks import session_lock
    from ukm_actors.db.migrate import current_revision, upgrade

    scripts = Path(__import__("ukm_actors").__file__).parent / "nodes" / "till" / "migrations"
    a, b = Database(make_db_url("a")), Database(make_db_url("b"))
    try:
        with a.engine.connect() as holder, session_lock(holder, "ukm.migrations.till"):
            done = gevent.spawn(upgrade, b, scripts)
            done.join(timeout=30)
            assert done.ready() and done.successful(), done.exception
        assert current_revision(b) is not None
    finally:
        a.dispose()
        b.dispose()
