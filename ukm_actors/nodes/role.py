"""What a role is made of, declared once in its ``tree.py`` and read by everyone else.

    # ukm_actors/nodes/till/tree.py
    ROLE = RoleSpec(
        name="till",
        features=("ukm_actors.nodes.till.transport", "ukm_actors.nodes.till.catalog", ...),
        tables=("ukm_actors.nodes.till.catalog.tables", "ukm_actors.nodes.till.sale.tables", ...),
        services="ukm_actors.nodes.till.services.TillServices",
    )

    role_spec("till").has_database        # config: a default SQLite URL; the node: a db child
    role_spec("till").migrations          # the alembic scripts next to tree.py
    role_metadata(role_spec("till"))      # every table its database holds (migrations)

A role with table modules has a database; nothing is found by file name (a
module with tables that is not listed is not migrated, and a test fails).
Each feature module declares its ``FEATURE`` (``ukm_actors.nodes.feature``);
``services`` names the class of the node's typed services
(``ukm_actors.nodes.services``).
``tree.py`` imports nothing heavy (module names are strings), so reading a
role's shape costs nothing to ``ukm config`` or ``ukm up``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ukm_actors.config.common import ROLES, Role
from ukm_actors.errors import UkmError

if TYPE_CHECKING:
    from types import ModuleType

    from sqlalchemy import MetaData, Table

    from ukm_actors.supervision import Strategy

PACKAGE = "ukm_actors.nodes"


class RoleSpecError(UkmError):
    """A role's declaration (its ``tree.py``) is wrong: a programming error, found at start."""

    code = "role.spec"


@dataclass(frozen=True)
class RoleSpec:
    """A role's features, tables and supervisor settings."""

    name: Role
    features: tuple[str, ...]
    """Feature modules, in start order (see ``ukm_actors.nodes.base``)."""
    tables: tuple[str, ...] = ()
    """Modules that define the role's tables. Non-empty: the role has a database,
    migrated with the alembic scripts in ``<role>/migrations``."""
    services: str = "ukm_actors.nodes.services.Services"
    """The class of the node's services (``ukm_actors.nodes.services``), by its dotted name."""
    default_id: str = ""
    """The node id when the configuration gives none (empty: the role derives one)."""
    strategy: Strategy = "one_for_one"
    max_restarts: int = 5
    period: float = 60.0

    @property
    def package(self) -> str:
        return f"{PACKAGE}.{self.name}"

    @property
    def has_database(self) -> bool:
        return bool(self.tables)

    @property
    def migrations(self) -> Path | None:
        """The role's alembic script folder (None for a role without a database)."""
        if not self.has_database:
            return None
        pkg = importlib.import_module(self.package)
        return Path(pkg.__file__ or "").parent / "migrations"


def role_spec(role: str) -> RoleSpec:
    """The declaration of ``role`` (``ROLE`` in ``ukm_actors/nodes/<role>/tree.py``)."""
    if role not in ROLES:
        raise RoleSpecError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    tree = importlib.import_module(f"{PACKAGE}.{role}.tree")
    spec = getattr(tree, "ROLE", None)
    if not isinstance(spec, RoleSpec) or spec.name != role:
        raise RoleSpecError(
            f"{tree.__name__} must define ROLE = RoleSpec(name={role!r}, ...)",
        )
    return spec


def database_roles() -> tuple[str, ...]:
    """The roles that keep a database, in ``ROLES`` order."""
    return tuple(r for r in ROLES if role_spec(r).has_database)


def role_metadata(spec: RoleSpec) -> list[MetaData]:
    """Every table the role's database holds: the runtime's, the bridge's, the role's own
    (imported from ``spec.tables``; a listed module without tables is an error)."""
    from ukm_actors.bridge.models import BridgeBase
    from ukm_actors.db.models import InfraBase

    found: list[MetaData] = [InfraBase.metadata, BridgeBase.metadata]
    for name in spec.tables:
        tables = _tables_of(importlib.import_module(name))
        if not tables:
            raise RoleSpecError(
                f"{name} is listed in the {spec.name} role's tables but defines none; "
                f"remove it from ROLE.tables in {spec.package}.tree"
            )
        for t in tables:
            if not any(t.metadata is m for m in found):
                found.append(t.metadata)
    return found


def _tables_of(module: ModuleType) -> list[Table]:
    """The tables of the mapped classes ``module`` defines (the project maps every table)."""
    from sqlalchemy import Table

    tables: list[Table] = []
    for value in vars(module).values():
        if isinstance(value, type) and value.__module__ == module.__name__:
            table = getattr(value, "__table__", None)
            if isinstance(table, Table):
                tables.append(table)
    return tables
