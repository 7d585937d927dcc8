"""Setting up a cash server database before the server starts (``ukm up``, ``ukm admin``).

:func:`register_local_install` is what ``ukm up`` calls after writing the
node configurations: it migrates the server's database, adds the default
cashier roles, the store, the tills (directory row, bridge peer with the
secret from the till's configuration, first whole catalog), the other
nodes' peers and, for a store with an integration module, its tills'
catalog source "both" (they read the module's queue folders too).
Running it again changes nothing. On the first run it also creates the
employee ``admin`` with a random password, written to
``<data_dir>/admin-password.txt`` (the password alone, one line; readable by
the owner only).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ukm_actors.nodes.server as _server_pkg
from ukm_actors.config import Config, load_config
from ukm_actors.config.private import write_private
from ukm_actors.db import Database
from ukm_actors.db.migrate import upgrade
from ukm_actors.errors import UkmError
from ukm_actors.nodes.server.admin.auth import create_employee
from ukm_actors.nodes.server.admin.tables import ADMIN, Employee
from ukm_actors.nodes.server.catalog.public import (
    Store,
    register_peer_of,
    register_till,
    seed,
    till_node_id,
)
from ukm_actors.nodes.server.modules import set_integration_settings
from ukm_actors.nodes.server.tables_modules import IntegrationStore

MIGRATIONS = Path(_server_pkg.__file__ or "").parent / "migrations"
PASSWORD_FILE = "admin-password.txt"  # noqa: S105 - a file name, not a password

NodeEntry = tuple[str, str, str, dict[str, Any]]
"""``(node_id, role, secret, extra)``; ``extra`` = {"store", "number"} for tills,
{"store"} for the store's modules."""


def open_server_db(config: Config) -> Database:
    """The server's database, migrated to the newest revision and seeded."""
    db = Database(
        config.db.url,
        pool_size=config.db.pool_size,
        statement_timeout_ms=config.db.statement_timeout_ms,
    )
    upgrade(db, MIGRATIONS)
    with db.write() as session:
        seed(session)
    return db


def ensure_store(session: Session, code: str, name: str | None = None) -> bool:
    """Create store ``code`` if it is missing (or re-activate it); True when it was made."""
    store = session.get(Store, code)
    if store is not None:
        if not store.active:
            store.active = True
        return False
    session.add(
        Store(
            code=code,
            name=name or f"Магазин {code}",
            timezone="Europe/Moscow",
            active=True,
            version=0,
        )
    )
    session.flush()
    return True


def _first_admin(session: Session, data_dir: Path) -> Path | None:
    if session.execute(select(func.count()).select_from(Employee)).scalar_one():
        return None
    password = secrets.token_urlsafe(12)
    create_employee(session, "admin", password, ADMIN, "Administrator")
    path = data_dir / PASSWORD_FILE
    write_private(path, password + "\n")
    return path


def _plain_password_file(data_dir: Path) -> None:
    """Rewrite a password file of an older install (three lines of prose) as the password only."""
    path = data_dir / PASSWORD_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    lines = [ln for ln in text.splitlines() if ln.startswith("password: ")]
    if len(text.splitlines()) > 1 and len(lines) == 1:
        write_private(path, lines[0].removeprefix("password: ").strip() + "\n")


def register_nodes(session: Session, nodes: Iterable[NodeEntry]) -> list[str]:
    """Register every node (and its store) in ``session``; returns the till channels to wake."""
    channels: list[str] = []
    for node_id, role, secret, extra in nodes:
        store = str(extra["store"]) if extra.get("store") else None
        if store is not None:
            ensure_store(session, store)
        if role == "till":
            if store is None or "number" not in extra:
                raise UkmError(f"till {node_id}: extra must give its store and number")
            number = int(extra["number"])
            if till_node_id(store, number) != node_id:
                raise UkmError(
                    f"till {node_id}: a till of store {store} number {number} must be "
                    f"{till_node_id(store, number)}"
                )
            reg = register_till(session, store, number, secret=secret, kind="system")
            channels.extend(reg.channels)
        elif role in ("marketing", "integration", "pricechecker"):
            register_peer_of(session, node_id, role, store, secret)
        else:
            raise UkmError(f"cannot register node {node_id} of role {role!r} with the cash server")
    return channels


def _decentralise(session: Session, nodes: Iterable[NodeEntry]) -> None:
    """A store with an integration module in this install reads the trade system's files
    too: its tills' catalog source is "both" (the folders: the module's defaults under
    the shared data folder), unless its integration settings were set already."""
    for _node_id, role, _secret, extra in nodes:
        store = str(extra.get("store") or "")
        if role == "integration" and store and session.get(IntegrationStore, store) is None:
            set_integration_settings(session, store, catalog_source="both")


def register_local_install(
    server_config_path: str | os.PathLike[str], nodes: Iterable[NodeEntry]
) -> dict[str, Any]:
    """Prepare the server database of a one-machine install (see the module docstring).

    Returns ``{"admin_password_file": path or None}`` (a path only on the run
    that created the first employee).
    """
    config = load_config(Path(server_config_path), role="server")
    db = open_server_db(config)
    try:
        nodes = list(nodes)
        with db.write() as session:
            register_nodes(session, nodes)
            _decentralise(session, nodes)
            created = _first_admin(session, config.data_dir)
        _plain_password_file(config.data_dir)
    finally:
        db.dispose()
    return {"admin_password_file": str(created) if created is not None else None}
