"""Feature "exchange" of the till: a decentralised store's files, without the cash server.

With ``[till] catalog_source = "folder"`` (or ``"both"``) the till loads the
trade system's UKM files from ``[till] exchange_folder`` (``queue``,
``load``: the server's parser and rules, shared through
``ukm_actors.exchange``). With ``[till] sales_folder`` set it writes every
receipt, return, shift open and close and cash move there as UKM export
files (``sales``), exactly once. ``/status`` gets an ``exchange`` section:
the folders, the queue position, the last file loaded, the refusal the
queue waits behind and the files waiting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ukm_actors.nodes.base import NodeContext
from ukm_actors.nodes.feature import Feature

if TYPE_CHECKING:
    from ukm_actors.supervision import ChildSpec

STATE = "exchange.queue"
PRUNING = "exchange.pruning"


def _last(ctx: NodeContext) -> dict[str, Any]:
    from ukm_actors.nodes.till.exchange.load import LOADED
    from ukm_actors.nodes.till.exchange.tables import ExchangeFile

    with ctx.require_db().read() as s:
        row = s.execute(
            select(ExchangeFile)
            .where(ExchangeFile.status == LOADED)
            .order_by(ExchangeFile.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        position = s.execute(
            select(ExchangeFile.position)
            .where(ExchangeFile.status == LOADED, ExchangeFile.position.is_not(None))
            .order_by(ExchangeFile.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        last = None
        if row is not None:
            last = {"file": row.name, "type": row.type, "records": row.records, "at": row.at}
    return {"position": position, "last_loaded": last}


def _sales(ctx: NodeContext) -> dict[str, Any]:
    from sqlalchemy import func

    from ukm_actors.nodes.till.exchange.tables import SalesFile

    with ctx.require_db().read() as s:
        pending = s.execute(
            select(func.count()).select_from(SalesFile).where(SalesFile.written_at.is_(None))
        ).scalar_one()
        last = s.execute(
            select(SalesFile.name, SalesFile.written_at)
            .where(SalesFile.written_at.is_not(None), SalesFile.name != "-")
            .order_by(SalesFile.id.desc())
            .limit(1)
        ).first()
        errors = s.execute(
            select(SalesFile.id, SalesFile.doc_type, SalesFile.error)
            .where(SalesFile.error.is_not(None))
            .order_by(SalesFile.id.desc())
            .limit(10)
        ).all()
    return {
        "pending": pending,
        "last_written": None if last is None else {"file": last[0], "at": last[1]},
        "not_written": [{"id": i, "type": t, "error": e} for i, t, e in errors],
    }


def setup(ctx: NodeContext) -> None:
    cfg = ctx.config.till
    if cfg.catalog_source == "server" and not cfg.sales_folder:
        return
    from ukm_actors.db.prune import PruneSchedule
    from ukm_actors.nodes.till.exchange.actor import QueueState

    state = QueueState()
    ctx.services[STATE] = state
    pruning = {
        "files": PruneSchedule(cfg.exchange_keep_days),
        "sales": PruneSchedule(cfg.exchange_keep_days),
    }
    ctx.services[PRUNING] = pruning
    folder = str(ctx.config.resolve(cfg.exchange_folder)) if cfg.exchange_folder else None
    sales = str(ctx.config.resolve(cfg.sales_folder)) if cfg.sales_folder else None

    def status() -> dict[str, Any]:
        out: dict[str, Any] = {
            "catalog_source": cfg.catalog_source,
            "folder": folder,
            "sales_folder": sales,
        }
        if folder is not None:
            queue = ctx.services.get("exchange.tillqueue")
            blocked = queue.blocked() if queue is not None else None
            out.update(_last(ctx))
            out["refused"] = (
                None
                if blocked is None
                else {
                    "file": blocked.file,
                    "error": blocked.error,
                    "waits_for": blocked.waits_for(),
                }
            )
            out["waiting"] = list(state.waiting)
            out["ignored"] = state.ignored
        if sales is not None:
            out["sales"] = _sales(ctx)
        out["pruned"] = {k: v.to_json() for k, v in pruning.items()}
        return out

    ctx.status_providers["exchange"] = status


def children(ctx: NodeContext) -> list[ChildSpec]:
    from ukm_actors.supervision import Backoff, ChildSpec

    cfg = ctx.config.till
    specs: list[ChildSpec] = []
    if cfg.catalog_source != "server":
        from ukm_actors.domain.units import WeighRule
        from ukm_actors.nodes.till.exchange.actor import NAME, QueueLoader
        from ukm_actors.nodes.till.exchange.load import LoadOptions
        from ukm_actors.nodes.till.exchange.queue import TillQueue

        catalog = ctx.services.get("catalog")
        queue = TillQueue(
            ctx.require_db(),
            ctx.config.resolve(cfg.exchange_folder),
            LoadOptions(
                store=cfg.store,
                weighing=WeighRule.of(cfg.weighed_units, cfg.import_measprec),
                max_bytes=cfg.exchange_max_bytes,
                on_commit=catalog.changed if catalog is not None else None,
            ),
            settle=cfg.exchange_settle,
        )
        ctx.services["exchange.tillqueue"] = queue
        state = ctx.services[STATE]
        specs.append(
            ChildSpec(
                NAME,
                lambda: QueueLoader.start(
                    queue, cfg.exchange_poll, state, ctx.services[PRUNING]["files"]
                ),
                backoff=Backoff(initial=1.0, maximum=30.0),
                shutdown=10.0,
            )
        )
    if cfg.sales_folder:
        from ukm_actors.nodes.till.exchange.sales import SalesWriter

        db = ctx.require_db()
        sales_folder = ctx.config.resolve(cfg.sales_folder)
        specs.append(
            ChildSpec(
                "sales_writer",
                lambda: SalesWriter.start(
                    db, sales_folder, cfg.exchange_poll, ctx.services[PRUNING]["sales"]
                ),
                backoff=Backoff(initial=1.0, maximum=30.0),
                shutdown=10.0,
            )
        )
    return specs


FEATURE = Feature(__name__, setup=setup, children=children, needs=("catalog",))
