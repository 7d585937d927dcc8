"""Pruning ``catalog_tombstone``: a tombstone is done once its change is finished.

A change's tombstones are read only while the change publishes its deltas
to the tills, in the change's own transaction (``publisher``); after that
they are history. Tombstones of changes finished more than ``[server]
tombstone_keep_days`` ago are deleted by the catalog loader's periodic
upkeep (``CatalogLoader.tick``), a batch per transaction. The changes
themselves (``catalog_load``) are kept: they are the import history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select

from ukm_actors.db import Database
from ukm_actors.db.prune import delete_in_batches
from ukm_actors.nodes.server.catalog.tables_changes import CatalogLoad, Tombstone


def prune_tombstones(db: Database, before: datetime) -> int:
    """Delete the tombstones of changes finished before ``before``; how many went."""

    def ids() -> Select[int]:
        return (
            select(Tombstone.id)
            .join(CatalogLoad, CatalogLoad.id == Tombstone.version)
            .where(CatalogLoad.finished_at.is_not(None), CatalogLoad.finished_at < before)
        )

    return delete_in_batches(db, ids, Tombstone.id)
