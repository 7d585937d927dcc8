"""Feature "catalog" of the cash server: the directories, their import, their publishing.

- tables: ``tables.py`` (chain-wide), ``tables_local.py`` (per store, tills),
  ``tables_changes.py`` (change history and tombstones);
- import: ``loader.load_file`` (one file, one transaction), ``folder``
  (the import folder), ``actor.CatalogLoader`` (the actor that watches it);
- publishing to tills: ``publisher``; tills: ``tills.register_till``,
  ``tills.resync``, ``tills.update_settings``.

``/status`` gets an ``import`` section: the file being loaded (bytes read
of total, records, rate, ETA), the last results, and the types waiting for
a new full file after a failure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ukm_actors.nodes.feature import Feature

if TYPE_CHECKING:  # the feature's modules are imported when the node sets it up, so that
    # ``python -m ukm_actors.nodes.server.catalog.parsechild`` starts light
    from ukm_actors.nodes.server.services import ServerContext
    from ukm_actors.supervision import ChildSpec


def _blocked(ctx: ServerContext) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from ukm_actors.nodes.server.catalog.folder import batch_state
    from ukm_actors.nodes.server.catalog.tables_changes import FAILED, CatalogLoad

    db = ctx.require_db()
    out: list[dict[str, Any]] = []
    with db.read() as session:
        pairs = session.execute(
            select(CatalogLoad.type, CatalogLoad.store)
            .where(CatalogLoad.status == FAILED, CatalogLoad.kind == "folder")
            .distinct()
        ).all()
        for type_name, store in pairs:
            if type_name == "?":
                continue
            try:
                state = batch_state(session, type_name, store)
            except KeyError:
                continue
            if state.blocked_by is not None:
                out.append(
                    {
                        "type": type_name,
                        "store": store or None,
                        "failed_number": state.blocked_by,
                        "waits_for": f"a full {type_name} file numbered above {state.blocked_by}",
                    }
                )
    return out


def setup(ctx: ServerContext) -> None:
    from ukm_actors.db.prune import PruneSchedule
    from ukm_actors.nodes.server.catalog.progress import Progress

    progress = Progress(interval=ctx.config.server.import_progress_interval)
    ctx.services.import_progress = progress
    pruning = PruneSchedule(ctx.config.server.tombstone_keep_days)
    ctx.services.import_pruning = pruning
    folder = ctx.config.resolve(ctx.config.server.import_dir)

    def status() -> dict[str, Any]:
        snap = progress.snapshot()
        return {
            "folder": str(folder),
            "current": snap.to_json() if snap is not None else None,
            "last": list(progress.results)[-10:],
            "waiting_types": _blocked(ctx),
            "tombstones_pruned": pruning.to_json(),
        }

    ctx.status_providers["import"] = status


def children(ctx: ServerContext) -> list[ChildSpec]:
    from ukm_actors.nodes.server.catalog.actor import NAME, CatalogLoader
    from ukm_actors.supervision import Backoff, ChildSpec

    progress = ctx.services.import_progress
    pruning = ctx.services.import_pruning
    return [
        ChildSpec(
            NAME,
            lambda: CatalogLoader.start(ctx, progress, pruning),
            backoff=Backoff(initial=1.0, maximum=30.0),
            shutdown=10.0,
        )
    ]


FEATURE = Feature(
    __name__,
    setup=setup,
    children=children,
    uses=("bridge",),
    provides=("import_progress", "import_pruning"),
)
