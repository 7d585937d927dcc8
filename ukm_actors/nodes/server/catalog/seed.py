"""What a new cash server database starts with: the default cashier roles.

``storeCashiers`` files link a cashier to a role id; rights come from the
role, configured on the server (``PUT /api/v1/cashier-roles/{id}``). A new
server has three roles, so the ids a SuperMag site commonly uses work at
once:

==  ==========================  ================================================
id  name                        rights
==  ==========================  ================================================
1   Кассир (cashier)            sell, open/close shift, X report, cash in, reprint
2   Старший кассир (senior)     the above + void a line, cancel a receipt,
                                return, cash out, manual discount, supervisor
13  Администратор магазина      every right
==  ==========================  ================================================

Seeding only adds roles that are missing; it never changes a role an
employee has edited. It is safe to run on every start, from several
servers at once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ukm_actors.db import Database
from ukm_actors.domain.rights import DEFAULT_ROLES, Right
from ukm_actors.nodes.server.catalog.tables_local import CashierRole


def rights_text(rights: frozenset[Right] | set[Right]) -> str:
    """The stored form of a set of rights: sorted names, comma-separated."""
    return ",".join(sorted(r.value for r in rights))


def seed(session: Session) -> int:
    """Add the default roles that are missing; returns how many were added."""
    have = set(session.execute(select(CashierRole.id)).scalars())
    added = 0
    for role_id, (name, rights) in DEFAULT_ROLES.items():
        if role_id in have:
            continue
        try:
            with session.begin_nested():
                session.add(
                    CashierRole(id=role_id, name=name, rights=rights_text(rights), version=0)
                )
            added += 1
        except IntegrityError:
            pass
    return added


def ensure_seeded(db: Database) -> None:
    """Run :func:`seed` in its own transaction."""
    with db.write() as session:
        seed(session)
