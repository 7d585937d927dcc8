"""Feature "exchange" of the till: a decentralised store's files, without the cash server.

With ``catalog_source = "folder"`` (or ``"both"``) the till loads the trade
system's UKM files from its queue folder (``queue``, ``load``: the server's
parser and rules, shared through ``ukm_actors.exchange``). With a sales
folder it writes every receipt, return, shift open and close and cash move
there as UKM export files (``sales``), exactly once. The catalog source and
the folders come from the till's own ``[till]`` section, or from the cash
server's integration settings of the store when that section sets no folder
(``settings``, ``control``). ``/status`` gets an ``exchange`` section: where
the settings come from, the folders, the queue position, the last file
loaded, the refusal the queue waits behind and the files waiting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ukm_actors.errors import UkmError
from ukm_actors.i18n.web import localized
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.till.exchange.control import CLIENT, Asked, ExchangeControl, SettingsClient
from ukm_actors.nodes.till.exchange.settings import (
    ASK,
    SERVER,
    FolderSettings,
    asks_server,
    from_file,
)
from ukm_actors.nodes.till.services import TillContext

if TYPE_CHECKING:
    from ukm_actors.supervision import ChildSpec


def _last(ctx: TillContext) -> dict[str, Any]:
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


def _sales(ctx: TillContext) -> dict[str, Any]:
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


def _refused(control: ExchangeControl) -> dict[str, Any] | None:
    queue = control.queue
    blocked = queue.blocked() if queue is not None else None
    if blocked is None:
        return None
    return _for_reader(
        {
            "file": blocked.file,
            "line": blocked.line,
            "field": blocked.field,
            "error": blocked.error,
            "waits_for": blocked.waits_for(),
            "what_to_do": blocked.what_to_do(),
        }
    )


def _for_reader(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` in the language of the request's reader (``?lang=``, ``Accept-Language``,
    else ``[node] language``); English outside a request."""
    try:
        out: dict[str, Any] = localized(body)
    except RuntimeError:
        return body
    return out


def status(ctx: TillContext, control: ExchangeControl) -> dict[str, Any]:
    """``/status`` → ``exchange``."""
    out: dict[str, Any] = control.current.to_json()
    if control.asked is not None:
        out["settings"] = control.asked.to_json()
    if control.queue is not None:
        last = _last(ctx)
        out.update(last)
        waiting = control.queue.waiting
        out["queue"] = {"next": (last["position"] or 0) + 1, "waiting": len(waiting)}
        out["refused"] = _refused(control)
        out["waiting"] = list(waiting)
        out["ignored"] = control.state.ignored
    if control.current.sales_folder is not None:
        out["sales"] = _sales(ctx)
    out["pruned"] = {k: v.to_json() for k, v in control.pruning.items()}
    return out


def setup(ctx: TillContext) -> None:
    cfg = ctx.config.till
    if asks_server(cfg, ctx.config.bridge.servers()):
        control = ExchangeControl(ctx, FolderSettings(SERVER), Asked())
    else:
        control = ExchangeControl(ctx, from_file(cfg, ctx.config.resolve))
    ctx.services.exchange = control
    ctx.services.catalog_applier.only_of = control.catalog_only
    if control.asked is None and not control.wanted():
        return  # a till of a centralised store: nothing to show
    ctx.status_providers["exchange"] = lambda: status(ctx, control)


def _fetcher(ctx: TillContext) -> Any:
    def fetch() -> Any:
        bridge = ctx.services.bridge
        url = bridge.server_url
        if not url:
            raise UkmError("this till has no cash server to ask", code="exchange.no_server")
        return bridge.ask(url, ASK, {"node_id": ctx.node_id}, timeout=ctx.config.bridge.ask_timeout)

    return fetch


def children(ctx: TillContext) -> list[ChildSpec]:
    from ukm_actors.supervision import Backoff, ChildSpec

    control = ctx.services.exchange
    if control.asked is None:
        return [control.supervisor_spec()] if control.wanted() else []
    refresh = ctx.config.till.settings_refresh
    return [
        control.supervisor_spec(),
        ChildSpec(
            CLIENT,
            lambda: SettingsClient.start(control, _fetcher(ctx), refresh),
            backoff=Backoff(initial=1.0, maximum=30.0),
            shutdown=10.0,
        ),
    ]


FEATURE = Feature(
    __name__,
    setup=setup,
    children=children,
    needs=("catalog", "catalog_applier"),
    uses=("bridge",),
    provides=("exchange",),
)
