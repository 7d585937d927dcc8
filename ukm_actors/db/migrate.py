"""Alembic migrations, run at node start.

Each database-backed role keeps an alembic script folder in its package
(``ukm_actors/nodes/<role>/migrations``) whose ``env.py`` calls ``run_env``
with the role's metadata. ``upgrade`` brings a database to the newest
revision; on PostgreSQL it holds an advisory lock (per schema, ``db.locks``)
so that several server processes starting together migrate once, while
nodes in other schemas of the same database migrate undisturbed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from ukm_actors.db.engine import Database
from ukm_actors.db.locks import session_lock

log = logging.getLogger(__name__)


def alembic_config(script_location: Path, db: Database | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(script_location))
    if db is not None:
        cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, script_location: Path, revision: str = "head") -> None:
    """Migrate ``db`` to ``revision`` with the scripts at ``script_location``."""
    cfg = alembic_config(script_location, db)
    with db.engine.connect() as conn:
        lock = (
            session_lock(conn, f"ukm.migrations.{script_location.parent.name}")
            if db.dialect == "postgresql"
            else nullcontext()
        )
        with lock:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
    log.info("database %r is at revision %s", db, current_revision(db))


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def pending_differences(db: Database, metadata: Sequence[MetaData]) -> list[Any]:
    """Differences between the migrated database and the models (should be none)."""
    with db.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(mc, list(metadata)))  # type: ignore[arg-type]


def run_env(target_metadata: Sequence[MetaData]) -> None:
    """The body of every role's ``env.py``."""
    cfg = context.config
    conn = cfg.attributes.get("connection")
    opts: dict[str, Any] = {
        "target_metadata": list(target_metadata),
        "compare_type": True,
        "render_as_batch": True,
    }
    if conn is not None:
        context.configure(connection=conn, **opts)
        with context.begin_transaction():
            context.run_migrations()
        return
    db = Database(cfg.get_main_option("sqlalchemy.url") or "")
    with db.engine.connect() as connection:
        context.configure(connection=connection, **opts)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    db.dispose()
