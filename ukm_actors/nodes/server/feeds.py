"""Feature "feeds" of the cash server: the marketing server's catalog and store feeds.

Once a marketing server is registered (bridge peer ``marketing``), the
``marketing_feeder`` actor queues on channel ``server>marketing``:

- ``feed.catalog`` (the item hierarchy and the items: code, name, weight flag,
  group, price floor) every ``[marketing] feed_interval`` seconds — only when
  it differs from the last one queued;
- ``feed.stores`` (every active store and its enabled tills) whenever that
  list changes (checked every ``min(feed_interval, 30)`` seconds);
- ``feed.heartbeat`` when it has queued nothing for ``feed_interval`` seconds,
  so the marketing server can tell "no contact" from "no change".

The catalog is also read in a round after any catalog change (an import or
an admin edit: a new ``catalog_load`` row), so a loaded catalog reaches the
marketing server within ``min(feed_interval, 30)`` seconds plus delivery.

Both are full replacements (bodies in ``ukm_actors.domain.promotions.feeds``);
"the last one queued" is read from the outbox, so a restart does not resend
an unchanged feed. In a cluster one process queues them (lease
``marketing_feeds``); the holder is ``[server] cluster_node``, else
``<host>:<node id>``, so a server restarted after a crash takes its own lease
back at once instead of waiting for it to expire, and a stopped one releases
it. The directories are read through ``read_catalog`` and ``read_stores``
(the server catalog feature's models).
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ukm_actors.bridge import outbox
from ukm_actors.bridge.documents import channel_name, sha256_hex
from ukm_actors.bridge.models import OutboxEntry
from ukm_actors.bridge.peers import peer_info
from ukm_actors.db import Database
from ukm_actors.db.leases import process_holder, release, try_acquire
from ukm_actors.domain.promotions.feeds import (
    CATALOG,
    HEARTBEAT,
    STORES,
    FeedGroup,
    FeedItem,
    FeedStore,
    FeedTill,
    encode_catalog,
    encode_heartbeat,
    encode_stores,
)
from ukm_actors.isotime import iso_utc
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.server.services import ServerContext
from ukm_actors.runtime import Cooperator
from ukm_actors.supervision import Backoff, ChildSpec, Ticking

log = logging.getLogger(__name__)

NAME = "marketing_feeder"
MARKETING = "marketing"
CHANNEL = channel_name("server", MARKETING)
STORES_CHECK = 30.0
LEASE = "marketing_feeds"


# -- reading the server's directories ---------------------------------------------------


def read_catalog(session: Session) -> tuple[list[FeedGroup], Iterator[FeedItem]]:
    """The item hierarchy and the items, from the server catalog's tables."""
    from ukm_actors.nodes.server.catalog.public import Group, Item

    groups = [
        FeedGroup(g.id, g.parent_id, g.name)
        for g in session.execute(select(Group).order_by(Group.id)).scalars()
    ]

    def items() -> Iterator[FeedItem]:
        tick = Cooperator().tick
        rows = session.execute(
            select(Item.article, Item.name, Item.weighted, Item.group_id, Item.min_price)
            .order_by(Item.article)
            .execution_options(yield_per=5000)
        )
        for article, name, weighted, group_id, min_price in rows:
            tick()
            yield FeedItem(article, name, bool(weighted), group_id, int(min_price or 0))

    return groups, items()


def read_stores(session: Session) -> list[FeedStore]:
    """Active stores and their enabled tills, from the server catalog's tables."""
    from ukm_actors.nodes.server.catalog.public import Store, Till

    tills: dict[str, list[FeedTill]] = {}
    for t in session.execute(select(Till).where(Till.enabled.is_(True))).scalars():
        tills.setdefault(t.store, []).append(FeedTill(t.node_id, t.number))
    return [
        FeedStore(s.code, s.name, tuple(tills.get(s.code, ())))
        for s in session.execute(
            select(Store).where(Store.active.is_(True)).order_by(Store.code)
        ).scalars()
    ]


def catalog_mark(db: Database) -> int:
    """The number of the catalog's latest change (an import or an admin edit): when it
    moves, the catalog may have changed."""
    from ukm_actors.nodes.server.catalog.public import CatalogLoad

    with db.read() as session:
        return int(session.execute(select(func.max(CatalogLoad.id))).scalar_one() or 0)


def _last_sha(session: Session, doc_type: str) -> str | None:
    return session.execute(
        select(OutboxEntry.sha256)
        .where(OutboxEntry.channel == CHANNEL, OutboxEntry.doc_type == doc_type)
        .order_by(OutboxEntry.seq.desc())
        .limit(1)
    ).scalar_one_or_none()


def marketing_registered(session: Session) -> bool:
    info = peer_info(session, MARKETING)
    return info is not None and info.enabled


def queue_feeds(
    db: Database,
    *,
    catalog: bool,
    stores: bool,
    holder: str = "",
    lease_ttl: float = 120.0,
    heartbeat: bool = False,
) -> list[str] | None:
    """Queue the feeds that changed; the types queued, or None when it did not look (no
    marketing server is registered, or another process holds the feeds lease).

    With ``heartbeat``, a ``feed.heartbeat`` is queued when no feed changed.
    In a cluster only the process holding the ``marketing_feeds`` lease does it.
    """
    holder = holder or process_holder()
    with db.write() as session:
        if not try_acquire(session, LEASE, holder, lease_ttl):
            return None
    bodies: dict[str, bytes] = {}
    with db.read() as session:
        if not marketing_registered(session):
            return None
        if stores:
            bodies[STORES] = encode_stores(read_stores(session))
        if catalog:
            groups, items = read_catalog(session)
            bodies[CATALOG] = encode_catalog(groups, items)
    queued: list[str] = []
    with db.write() as session:
        for doc_type, body in bodies.items():
            if _last_sha(session, doc_type) != sha256_hex(body):
                outbox.put(session, CHANNEL, doc_type, body)
                queued.append(doc_type)
        if heartbeat and not queued:
            at = iso_utc(time.time(), z=True)
            beat = encode_heartbeat(at, _last_sha(session, CATALOG), _last_sha(session, STORES))
            outbox.put(session, CHANNEL, HEARTBEAT, beat)
            queued.append(HEARTBEAT)
    return queued


class MarketingFeeder(Ticking):
    """Queues the marketing feeds on their schedule (see the module doc)."""

    def __init__(
        self, db: Database, interval: float, notify: Callable[[str], None], holder: str = ""
    ) -> None:
        super().__init__()
        self.db = db
        self.holder = holder or process_holder()
        self.interval = interval
        self.stores_every = min(interval, STORES_CHECK)
        self.notify = notify
        self._next_catalog = 0.0
        self._mark = -1
        self._last_queued = -1e9
        self.last: dict[str, Any] = {}

    def on_start(self) -> None:
        self.schedule(0.0)

    def on_stop(self) -> None:
        super().on_stop()
        try:
            with self.db.write() as session:
                release(session, LEASE, self.holder)
        except Exception:  # a stopping node may have lost its database; the lease expires
            log.debug("could not release the %s lease", LEASE, exc_info=True)

    def tick(self) -> None:
        try:
            self.run()
        finally:
            self.schedule(self.stores_every)

    def run(self, *, force_catalog: bool = False) -> list[str]:
        """One round: the store list always, the catalog when due, each queued when it
        changed; a heartbeat when nothing was queued for ``interval``; the types queued."""
        now = time.monotonic()
        mark = catalog_mark(self.db)
        catalog = force_catalog or now >= self._next_catalog or mark != self._mark
        queued = queue_feeds(
            self.db,
            catalog=catalog,
            stores=True,
            holder=self.holder,
            lease_ttl=max(3 * self.stores_every, 60.0),
            heartbeat=now - self._last_queued >= self.interval,
        )
        if queued is None:  # nothing looked at: look again next round
            self.last = {"queued": [], "at": time.time(), "idle": True}
            return []
        if catalog:
            self._next_catalog, self._mark = now + self.interval, mark
        if queued:
            self._last_queued = now
            level = logging.DEBUG if queued == [HEARTBEAT] else logging.INFO
            log.log(level, "queued %s for the marketing server", ", ".join(queued))
            self.notify(CHANNEL)
        self.last = {"queued": queued, "at": time.time()}
        return queued

    def status(self) -> dict[str, Any]:
        return dict(self.last)


def feeds_holder(ctx: ServerContext) -> str:
    """Who holds the feeds lease: ``[server] cluster_node``, else ``<host>:<node id>``."""
    return ctx.config.server.cluster_node or f"{socket.gethostname()}:{ctx.node_id}"


def setup(ctx: ServerContext) -> None:
    def status() -> Any:
        ref = ctx.names.find(NAME)
        if ref is None:
            return {"state": "not running"}
        return ref.proxy().status().get(timeout=5)

    ctx.status_providers["marketing_feeds"] = status


def children(ctx: ServerContext) -> list[ChildSpec]:
    db = ctx.require_db()

    def notify(channel: str) -> None:
        ctx.services.bridge.notify(channel)

    def start() -> Any:
        holder = feeds_holder(ctx)
        return MarketingFeeder.start(db, ctx.config.marketing.feed_interval, notify, holder)

    return [ChildSpec(NAME, start, backoff=Backoff(initial=2.0, maximum=60.0))]


FEATURE = Feature(__name__, setup=setup, children=children, uses=("bridge",))
