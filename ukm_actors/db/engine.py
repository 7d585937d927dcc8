"""``Database``: one engine per node, with sessions that are safe under gevent.

SQLite (the default, embedded) runs in WAL mode with foreign keys on. Its
writers are serialised inside the process by a gevent lock and begin with
``BEGIN IMMEDIATE``: without the lock, a second greenlet's write would wait
in SQLite's *blocking* busy handler while the greenlet holding the write
lock can never run again to release it. Reads need no lock (WAL). A
writer that must not wait long (the cashier's scan while a catalog is
applied) passes ``wait``: after that many seconds without the lock it gets
``WriterBusy`` instead.

PostgreSQL goes through psycopg 3 (imported after gevent patching, so its
waits are cooperative), with a statement timeout so no query hangs a node.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gevent
import gevent.lock
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ukm_actors.config.private import make_private_file, private_dir
from ukm_actors.errors import UkmError

log = logging.getLogger(__name__)


def _private_sqlite_files(path: Path) -> None:
    """The database file (and its WAL and shared-memory files) 0600, a new folder 0700:
    it holds cashier password hashes and bridge secrets. SQLite gives the WAL and -shm
    files the mode of the database file."""
    private_dir(path.parent)
    narrowed = [
        p.name
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
        if (p == path or p.exists()) and make_private_file(p)
    ]
    if narrowed:
        names = ", ".join(narrowed)
        log.info("database %s: made %s readable by its owner only (0600)", path, names)


class DatabaseError(UkmError):
    """The database cannot be used (bad URL, unreachable, misuse)."""

    code = "db.error"


class WriterBusy(DatabaseError):
    """Another write transaction held the (SQLite) write lock for longer than the caller
    would wait; nothing was written."""

    code = "db.busy"
    http_status = 503


class Database:
    """A node's database: engine, write/read sessions, size."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        statement_timeout_ms: int = 30_000,
        echo: bool = False,
    ) -> None:
        if not url:
            raise DatabaseError("no database URL", hint="set [db] url or UKM_DB_URL")
        try:
            parsed = make_url(url)
        except Exception as exc:
            raise DatabaseError(f"bad database URL {url!r}: {exc}") from exc
        self.url = url
        self.dialect = parsed.get_backend_name()
        self._write_lock = gevent.lock.Semaphore(1)
        self._writer: Any = None
        self.outage: tuple[float, str] | None = None
        """(since, the error) while ``check()`` finds the database unreachable."""
        if self.dialect == "sqlite":
            self.engine = self._sqlite_engine(parsed.database or "", echo)
        elif self.dialect == "postgresql":
            if parsed.get_driver_name() != "psycopg":
                raise DatabaseError(
                    f"PostgreSQL URLs must use psycopg 3: postgresql+psycopg://..., not {url!r}"
                )
            self.engine = self._pg_engine(url, pool_size, statement_timeout_ms, echo)
        else:
            raise DatabaseError(
                f"unsupported database {self.dialect!r}",
                hint="use sqlite:///path/file.db or postgresql+psycopg://user@host/db",
            )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def _sqlite_engine(self, path: str, echo: bool) -> Engine:
        if path and path != ":memory:" and not path.startswith("file:"):
            _private_sqlite_files(Path(path))
        engine = create_engine(
            self.url, echo=echo, connect_args={"timeout": 30}, pool_pre_ping=False
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get("ukm_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine

    def _pg_engine(self, url: str, pool_size: int, timeout_ms: int, echo: bool) -> Engine:
        parsed = make_url(url)
        options = str(parsed.query.get("options", ""))
        options = f"{options} -c statement_timeout={int(timeout_ms)}".strip()
        clean = parsed.difference_update_query(["options"])
        engine = create_engine(
            clean,
            echo=echo,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            connect_args={"options": options, "connect_timeout": 5},
        )
        # An INSERT of many rows goes as multi-row VALUES statements (SQLAlchemy's
        # "insertmanyvalues", which its psycopg2 dialect uses by default), not as psycopg's
        # executemany: that sends one statement a row, and under gevent each one waits on
        # the socket by itself.
        engine.dialect.use_insertmanyvalues_wo_returning = True
        return engine

    # -- sessions ----------------------------------------------------------------

    @contextmanager
    def write(self, wait: float | None = None) -> Iterator[Session]:
        """One write transaction: commits on success, rolls back on any error.

        ``wait``: the most seconds to wait for another writer to finish (SQLite), then
        ``WriterBusy``; None waits as long as it takes."""
        with self._writing(wait):
            bind = self.engine.execution_options(ukm_begin="IMMEDIATE")
            with Session(bind, expire_on_commit=False) as session, session.begin():
                yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (never commit writes through it)."""
        with self._sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write_connection(self, wait: float | None = None) -> Iterator[Connection]:
        """A Core connection in one write transaction (``wait``: as for ``write``)."""
        with self._writing(wait):
            bind = self.engine.execution_options(ukm_begin="IMMEDIATE")
            with bind.begin() as conn:
                yield conn

    @contextmanager
    def _writing(self, wait: float | None = None) -> Iterator[None]:
        if self.dialect != "sqlite":
            yield
            return
        me = gevent.getcurrent()
        if self._writer is me:
            raise DatabaseError(
                "nested write transaction on SQLite",
                hint="pass the open session down instead of opening a second write()",
            )
        if not self._write_lock.acquire(timeout=wait):
            raise WriterBusy(
                f"another write transaction held the database for over {wait:g} s",
                hint="nothing was written; try again",
            )
        self._writer = me
        try:
            yield
        finally:
            self._writer = None
            self._write_lock.release()

    # -- facts ----------------------------------------------------------------------

    def ping(self) -> None:
        """Run a trivial query; raises the driver's error when the database is gone."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def check(self) -> bool:
        """``ping`` and remember the outcome in ``outage`` (for ``/health``); True when
        the database answered. A connection broken by a restart of the database is
        replaced by the pool (pre-ping), so this recovers by itself."""
        try:
            self.ping()
        except Exception as exc:  # noqa: BLE001 - any failure means "not answering"
            if self.outage is None:
                self.outage = (time.time(), f"{type(exc).__name__}: {exc}"[:300])
            return False
        self.outage = None
        return True

    def outage_reason(self) -> str | None:
        """``database unreachable since …: error`` during an outage, else None."""
        if self.outage is None:
            return None
        since = datetime.fromtimestamp(self.outage[0], UTC).isoformat(timespec="seconds")
        return f"db: unreachable since {since} ({self.outage[1]})"

    def size_bytes(self) -> int | None:
        """Size of the database on disk (SQLite file + WAL, or pg_database_size)."""
        if self.dialect == "sqlite":
            path = make_url(self.url).database
            if not path or path == ":memory:":
                return None
            total = 0
            for suffix in ("", "-wal", "-shm"):
                try:
                    total += os.path.getsize(path + suffix)
                except OSError:
                    pass
            return total
        with self.engine.connect() as conn:
            return int(
                conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({make_url(self.url).render_as_string(hide_password=True)!r})"


class QueryCounter:
    """Counts SQL statements sent to the database, for complexity tests."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.count = 0
        self.statements: list[str] = []

    def _hook(self, *args: Any) -> None:
        self.count += 1
        self.statements.append(str(args[2])[:200])

    def __enter__(self) -> QueryCounter:
        event.listen(self.db.engine, "before_cursor_execute", self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.db.engine, "before_cursor_execute", self._hook)


def yield_now() -> None:
    """Let other greenlets and pending I/O run (between batches of bulk work).

    A tiny real sleep, not ``sleep(0)``: see ``ukm_actors.runtime.Cooperator``.
    """
    gevent.sleep(0.0001)
