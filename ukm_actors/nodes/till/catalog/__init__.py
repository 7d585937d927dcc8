"""Feature "catalog": the till's copy of the server's directories.

``setup(ctx)`` puts a ``TillCatalog`` in ``ctx.services.catalog``,
registers the appliers of ``catalog.full`` and ``catalog.delta`` (the bridge
calls ``prepare`` before its apply transaction and the applier in it) and adds a
``catalog`` section to ``/status`` (``updating`` while a document or file is
applied, ``staging``: the whole catalogs being built, ``stage``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ukm_actors.codecs.catalogdoc import DELTA, FULL
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.till.catalog import stage
from ukm_actors.nodes.till.catalog.apply import CatalogApplier
from ukm_actors.nodes.till.catalog.lookup import CatalogItem, TillCatalog
from ukm_actors.nodes.till.catalog.tables import CatMeta
from ukm_actors.nodes.till.services import TillContext

__all__ = ["CatalogApplier", "CatalogItem", "TillCatalog", "setup"]


def setup(ctx: TillContext) -> None:
    db = ctx.require_db()
    catalog = TillCatalog(db)
    ctx.services.catalog = catalog
    folder_only = ctx.config.till.catalog_source == "folder"
    applier = CatalogApplier(
        ctx.config.till.store,
        on_commit=catalog.changed,
        only=frozenset({"settings"}) if folder_only else None,
        applying=catalog.applying,
    )
    ctx.services.catalog_applier = applier  # the exchange settings may change ``only``
    ctx.appliers.register(FULL, applier.apply_full, prepare=applier.prepare)
    ctx.appliers.register(DELTA, applier.apply_delta, prepare=applier.prepare)

    def status() -> dict[str, Any]:
        with db.read() as s:
            meta = s.execute(select(CatMeta).where(CatMeta.id == 1)).scalar_one_or_none()
            out: dict[str, Any] = (
                {"revision": 0, "items": 0, "note": "no catalog received yet"}
                if meta is None
                else {
                    "revision": meta.revision,
                    "full_seq": meta.full_seq,
                    "items": meta.items,
                    "applied_at": meta.applied_at,
                }
            )
            out["staging"] = [b.to_json() for b in stage.everything(s)]
        out["updating"] = catalog.updating > 0
        return out

    ctx.status_providers["catalog"] = status


FEATURE = Feature(__name__, setup=setup, provides=("catalog", "catalog_applier"))
