"""A store's exchange settings on the cash server: the integration module's folders, each
till's folders, the catalog source, and what the module last reported of itself; their
checks (``check_settings``). The asks and the admin API that use them: ``modules``."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ukm_actors.bridge.peers import list_peers, peer_info
from ukm_actors.errors import UkmError
from ukm_actors.i18n import _
from ukm_actors.nodes.server.tables_modules import (
    IntegrationReport,
    IntegrationStore,
    IntegrationTillFolder,
)

CATALOG_SOURCES = ("server", "folder", "both")
TILL_KEYS = ("folder", "sales_folder", "till_folder", "till_sales_folder")
_TILL_ID = re.compile(r"^till-(?P<store>.+)-(?P<number>\d+)$")
MAX_REPORT = 16_384
"""The most characters of a module's report kept (a longer one is kept as a note)."""


class ModuleRequestError(UkmError):
    """A module's ask that cannot be answered as asked."""

    code = "modules.bad_request"


def own_store(session: Session, peer_id: str) -> str:
    """The store ``peer_id`` was registered for: a module started with only the server's
    address and its secret learns its store from the answer."""
    info = peer_info(session, peer_id)
    if info is None or not info.store:
        raise ModuleRequestError(
            f"{peer_id} is registered for no store",
            hint="register it with its store, or name the store in the ask",
        )
    return str(info.store)


def _catalog_tills(session: Session, store: str) -> dict[str, int]:
    """node id → number of the store's enabled tills in the server's directory."""
    try:
        from ukm_actors.nodes.server.catalog.public import Till
    except ImportError:  # the catalog feature is not installed
        return {}
    rows = session.execute(
        select(Till.node_id, Till.number).where(Till.store == store, Till.enabled.is_(True))
    )
    return {str(node_id): int(number) for node_id, number in rows}


def store_tills(session: Session, store: str) -> list[dict[str, Any]]:
    """The store's enabled tills: the server's directory and the registered till peers,
    by number, with the URL and last contact each reported to the bridge."""
    tills = _catalog_tills(session, store)
    peers = {p.node_id: p for p in list_peers(session, kind="till", store=store)}
    for node_id in peers:
        m = _TILL_ID.match(node_id)
        if node_id not in tills and m and m["store"] == store:
            tills[node_id] = int(m["number"])
    out = []
    for node_id, number in tills.items():
        peer = peers.get(node_id)
        if peer is not None and not peer.enabled:
            continue
        out.append(
            {
                "node_id": node_id,
                "number": number,
                "url": peer.url if peer else None,
                "last_seen": peer.last_seen.isoformat(timespec="seconds")
                if peer and peer.last_seen
                else None,
            }
        )
    return sorted(out, key=lambda till: (till["number"], till["node_id"]))


def integration_settings(session: Session, store: str) -> dict[str, Any]:
    """The ``integration.settings`` answer for ``store``."""
    row = session.get(IntegrationStore, store)
    folders = {
        f.number: f
        for f in session.scalars(
            select(IntegrationTillFolder).where(IntegrationTillFolder.store == store)
        )
    }
    tills = []
    for till in store_tills(session, store):
        f = folders.get(till["number"])
        tills.append(
            {
                "number": till["number"],
                "node_id": till["node_id"],
                "folder": f.folder if f else "",
                "sales_folder": f.sales_folder if f else "",
            }
        )
    return {
        "store": store,
        "source_dir": row.source_dir if row else "",
        "sales_dir": row.sales_dir if row else "",
        "tills": tills,
    }


def admin_settings(session: Session, store: str) -> dict[str, Any]:
    """What the admin API shows: the ``integration.settings`` answer, the store's
    ``catalog_source`` and each till's folders as the till sees them."""
    out = integration_settings(session, store)
    row = session.get(IntegrationStore, store)
    out["catalog_source"] = row.catalog_source if row else "server"
    out["module"] = module_report(session, store)
    for till in out["tills"]:
        f = session.get(IntegrationTillFolder, (store, till["number"]))
        till["till_folder"] = f.till_folder if f else ""
        till["till_sales_folder"] = f.till_sales_folder if f else ""
    return out


def module_report(session: Session, store: str) -> dict[str, Any] | None:
    """The store's integration module's last report: {"node_id", "reported_at", "report"}."""
    row = session.get(IntegrationReport, store)
    if row is None:
        return None
    try:
        report = json.loads(row.body)
    except ValueError:
        report = None
    reported = row.reported_at
    if reported.tzinfo is None:  # SQLite gives it back naive
        reported = reported.replace(tzinfo=UTC)
    return {
        "node_id": row.node_id,
        "reported_at": reported.isoformat(timespec="seconds"),
        "report": report,
    }


def record_module_report(session: Session, store: str, node_id: str, report: Any) -> None:
    """Keep ``report`` as what the store's module ``node_id`` last said of itself."""
    body = json.dumps(report, ensure_ascii=False, default=str)
    if not isinstance(report, Mapping) or len(body) > MAX_REPORT:
        body = json.dumps({"error": f"the module sent a report that is not an object of at "
                                    f"most {MAX_REPORT} characters"})  # fmt: skip
    values = {"node_id": node_id, "reported_at": datetime.now(UTC), "body": body}
    row = session.get(IntegrationReport, store)
    if row is None:
        try:
            with session.begin_nested():
                session.add(IntegrationReport(store=store, **values))
            return
        except IntegrityError:  # the same module's other ask was first
            row = session.get(IntegrationReport, store)
    if row is not None:
        for key, value in values.items():
            setattr(row, key, value)


def till_exchange_settings(session: Session, node_id: str) -> dict[str, Any]:
    """The ``till.exchange_settings`` answer for the till ``node_id`` (a registered till
    of its store): its folders as the till sees them, and the store's catalog source."""
    store = own_store(session, node_id)
    entry = next((till for till in store_tills(session, store) if till["node_id"] == node_id), None)
    if entry is None:
        raise ModuleRequestError(
            f"{node_id} is not an enabled till of store {store}",
            hint="register the till with its store and number on the cash server",
        )
    row = session.get(IntegrationStore, store)
    f = session.get(IntegrationTillFolder, (store, entry["number"]))
    return {
        "store": store,
        "number": entry["number"],
        "node_id": node_id,
        "catalog_source": row.catalog_source if row else "server",
        "folder": (f.till_folder or f.folder) if f else "",
        "sales_folder": (f.till_sales_folder or f.sales_folder) if f else "",
    }


def check_settings(settings: Mapping[str, Any]) -> None:
    """Refuse (``ModuleRequestError``) what the store's tills or its integration module
    would refuse of ``admin_settings``: the same rules as the till's
    (``nodes/till/exchange/settings.py``) and the module's, said before they are saved."""
    source_dir = settings.get("source_dir") or ""
    seen: dict[str, int] = {}
    for till in settings["tills"]:
        number = till["number"]
        folder = till.get("till_folder") or till["folder"]
        sales = till.get("till_sales_folder") or till["sales_folder"]
        if settings.get("catalog_source", "server") == "server" and folder:
            raise ModuleRequestError(
                _(
                    "till {number} has the queue folder {folder}, but the store's catalog "
                    "source is the cash server, so nothing would read it",
                    number=number,
                    folder=folder,
                ),
                hint=_(
                    'set the catalog source to "folder" or "both", or clear the till\'s '
                    "queue folders"
                ),
            )
        for queue, out in ((folder, sales), (till["folder"], till["sales_folder"])):
            if queue and queue == out:
                raise ModuleRequestError(
                    _(
                        "till {number} would read and write its sales in one folder {folder}",
                        number=number,
                        folder=queue,
                    ),
                    hint=_("give the till different queue and sales folders"),
                )
        if till["folder"] and till["folder"] == source_dir:
            raise ModuleRequestError(
                _(
                    "till {number}'s queue folder {folder} is the trade system's folder",
                    number=number,
                    folder=source_dir,
                ),
                hint=_("give the till a folder of its own"),
            )
        if till["folder"] and till["folder"] in seen:
            raise ModuleRequestError(
                _(
                    "tills {first} and {number} have one queue folder {folder}",
                    first=seen[till["folder"]],
                    number=number,
                    folder=till["folder"],
                ),
                hint=_("give each till a queue folder of its own"),
            )
        seen[till["folder"]] = number


def _folder(value: Any, what: str) -> str:
    if not isinstance(value, str) or "\x00" in value or len(value) > 1000:
        raise ModuleRequestError(f"{what} must be a folder path (text, no NUL, <= 1000 chars)")
    return value


def set_integration_settings(
    session: Session,
    store: str,
    *,
    source_dir: str | None = None,
    sales_dir: str | None = None,
    tills: Mapping[int, Mapping[str, str]] | None = None,
    catalog_source: str | None = None,
) -> dict[str, Any]:
    """Set the store's integration folders (None leaves a value as it is); returns the
    new ``integration.settings`` answer. ``tills`` maps a till number to its
    ``folder``, ``sales_folder``, ``till_folder`` and/or ``till_sales_folder``;
    ``catalog_source`` is where the store's tills take their catalog."""
    if not store:
        raise ModuleRequestError("the store code is empty")
    row = session.get(IntegrationStore, store)
    if row is None:
        row = IntegrationStore(store=store, source_dir="", sales_dir="")
        session.add(row)
    if source_dir is not None:
        row.source_dir = _folder(source_dir, "source_dir")
    if sales_dir is not None:
        row.sales_dir = _folder(sales_dir, "sales_dir")
    if catalog_source is not None:
        if catalog_source not in CATALOG_SOURCES:
            raise ModuleRequestError(
                f"catalog_source {catalog_source!r}: use " + ", ".join(CATALOG_SOURCES)
            )
        row.catalog_source = catalog_source
    row.updated_at = datetime.now(UTC)
    for number, values in (tills or {}).items():
        _set_till(session, store, number, values)
    session.flush()
    return integration_settings(session, store)


def _set_till(session: Session, store: str, number: int, values: Mapping[str, str]) -> None:
    if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
        raise ModuleRequestError(f"till number {number!r} must be a positive integer")
    unknown = set(values) - set(TILL_KEYS)
    if unknown:
        raise ModuleRequestError(
            f"till {number}: unknown keys {sorted(unknown)}", hint="use " + ", ".join(TILL_KEYS)
        )
    f = session.get(IntegrationTillFolder, (store, number))
    if f is None:
        f = IntegrationTillFolder(
            store=store,
            number=number,
            folder="",
            sales_folder="",
            till_folder="",
            till_sales_folder="",
        )
        session.add(f)
    for key in TILL_KEYS:
        if key in values:
            setattr(f, key, _folder(values[key], f"till {number} {key}"))
