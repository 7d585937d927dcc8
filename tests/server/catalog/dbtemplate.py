"""Fast fresh server databases for tests: built once per session, copied per test.

Migrating a server database takes about a second on PostgreSQL (and the
example files another half); the catalog and admin tests need dozens of
fresh ones. So each kind of database is built once, as a template:

- ``empty``: migrated, default cashier roles, store 17;
- ``examples``: the same with every file of docs/examples/import loaded.

SQLite: a test gets a copy of the template file. PostgreSQL (``UKM_TEST_PG_URL``):
a test gets a schema of its own kind, emptied (``TRUNCATE``) and refilled
from the template schema, with its sequences moved past the copied rows;
schemas are reused between tests and dropped at the end of the session.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

from ukm_actors.config import load_config
from ukm_actors.db import Database
from ukm_actors.nodes.server.bootstrap import ensure_store, open_server_db

Builder = Callable[[Database], None]


def _schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote('-csearch_path=' + schema)}"


class TemplateDbs:
    """Templates by kind, and fresh copies of them (see the module docstring)."""

    def __init__(self, folder: Path, pg_url: str, builders: dict[str, Builder]) -> None:
        self.folder = folder
        self.pg = pg_url
        self.builders = builders
        self._templates: dict[str, str] = {}
        self._free: dict[str, list[str]] = {}
        self._schemas: list[str] = []
        self._n = 0
        self._engine = sa.create_engine(pg_url) if pg_url else None

    # -- building -----------------------------------------------------------------

    def _build(self, kind: str) -> str:
        if kind in self._templates:
            return self._templates[kind]
        if self.pg:
            schema = f"tmpl_{kind}_{uuid.uuid4().hex[:8]}"
            self._create_schema(schema)
            url = _schema_url(self.pg, schema)
            self._templates[kind] = schema
        else:
            path = self.folder / f"template-{kind}.db"
            url = f"sqlite:///{path}"
            self._templates[kind] = str(path)
        cfg = load_config(
            None,
            role="server",
            overrides={"db": {"url": url}, "node": {"data_dir": str(self.folder)}},
        )
        db = open_server_db(cfg)
        try:
            with db.write() as session:
                ensure_store(session, "17", "Магазин на Садовой")
            self.builders[kind](db)
            if not self.pg:
                with db.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.dispose()
        return self._templates[kind]

    def _create_schema(self, schema: str) -> None:
        assert self._engine is not None
        with self._engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        self._schemas.append(schema)

    # -- copies --------------------------------------------------------------------------

    def acquire(self, kind: str) -> str:
        """The URL of a database that is exactly the template ``kind``."""
        template = self._build(kind)
        self._n += 1
        if not self.pg:
            path = self.folder / f"copy-{kind}-{self._n}.db"
            shutil.copy(template, path)
            return f"sqlite:///{path}"
        free = self._free.setdefault(kind, [])
        if free:
            schema = free.pop()
        else:
            schema = f"work_{kind}_{uuid.uuid4().hex[:8]}"
            self._create_schema(schema)
            self._clone_tables(template, schema)
        self._refill(template, schema)
        return _schema_url(self.pg, schema)

    def release(self, url: str) -> None:
        """Give a copy back (PostgreSQL: its schema is reused by a later test)."""
        if not self.pg:
            return
        schema = url.rsplit("search_path%3D", 1)[-1]
        kind = schema.split("_")[1]
        self._free.setdefault(kind, []).append(schema)

    def _clone_tables(self, template: str, schema: str) -> None:
        """Create the template's tables (with constraints and indexes) in ``schema``, once."""
        url = _schema_url(self.pg, schema)
        cfg = load_config(
            None,
            role="server",
            overrides={"db": {"url": url}, "node": {"data_dir": str(self.folder)}},
        )
        open_server_db(cfg).dispose()

    def _refill(self, template: str, schema: str) -> None:
        assert self._engine is not None
        with self._engine.begin() as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
                )
            ]
            listed = ", ".join(f'"{schema}"."{t}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            for t in tables:
                conn.execute(
                    sa.text(f'INSERT INTO "{schema}"."{t}" SELECT * FROM "{template}"."{t}"')
                )
            seqs = conn.execute(
                sa.text(
                    "SELECT c.relname, a.attname, s.relname FROM pg_depend d "
                    "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
                    "JOIN pg_class c ON c.oid = d.refobjid "
                    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid "
                    "JOIN pg_namespace n ON n.oid = s.relnamespace WHERE n.nspname = :s"
                ),
                {"s": schema},
            ).all()
            for table, column, seq in seqs:
                conn.execute(
                    sa.text(
                        f'SELECT setval(\'"{schema}"."{seq}"\', COALESCE((SELECT max("{column}") '
                        f'FROM "{schema}"."{table}"), 0) + 1, false)'
                    )
                )

    def close(self) -> None:
        if self._engine is None:
            return
        with self._engine.begin() as conn:
            for schema in self._schemas:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        self._engine.dispose()
