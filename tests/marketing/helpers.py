"""A marketing node in the test process, documents applied through its appliers, asks called
through its registry, and the admin API over real HTTP."""

from __future__ import annotations

import json
from typing import Any

from tests.nodes.helpers import http, start_node
from ukm_actors.bridge import inbox
from ukm_actors.bridge.documents import Document
from ukm_actors.domain.promotions.feeds import (
    FeedGroup,
    FeedItem,
    FeedStore,
    FeedTill,
    encode_catalog,
    encode_stores,
)
from ukm_actors.nodes.base import Node

TOKEN = "test-admin-token"
FEED = "server>marketing"


def start_marketing(tmp_path, db_url, **marketing: Any) -> Node:
    settings = {"admin_token": TOKEN, "level_thresholds": [500_000, 2_000_000], **marketing}
    return start_node("marketing", tmp_path, db_url, marketing=settings)


def _ctx(node: Any) -> Any:
    """A node's context (or the context itself)."""
    return getattr(node, "ctx", node)


def apply_doc(node: Any, channel: str, doc_type: str, body: bytes) -> inbox.Applied:
    """Apply the next document of ``channel`` the way the bridge does (one transaction)."""
    ctx = _ctx(node)
    with ctx.require_db().write() as session:
        seq = inbox.last_applied(session, channel) + 1
        doc = Document.make(doc_type, body, channel=channel, seq=seq)
        return inbox.apply(session, doc, ctx.appliers)


def feed_catalog(node: Node, items: list[FeedItem], groups: list[FeedGroup] | None = None):
    return apply_doc(node, FEED, "feed.catalog", encode_catalog(groups or [], items))


def feed_stores(node: Node, stores: dict[str, int]):
    """``{"17": 2}``: store 17 with tills till-17-1 and till-17-2."""
    body = encode_stores(
        FeedStore(
            code, f"Store {code}", tuple(FeedTill(f"till-{code}-{n}", n) for n in range(1, k + 1))
        )
        for code, k in stores.items()
    )
    return apply_doc(node, FEED, "feed.stores", body)


def ask(node: Any, name: str, message: dict[str, Any], peer: str = "till-17-1") -> Any:
    return _ctx(node).asks.get(name)(message, peer)


def light_marketing(tmp_path, db_url: str, **marketing: Any) -> Any:
    """The marketing feature without a running node: its tables, appliers and asks on a
    real database (no actors, no HTTP), for tests of the rules behind the asks."""
    import bottle

    from ukm_actors.config import load_config
    from ukm_actors.db import Database
    from ukm_actors.nodes.base import NodeContext
    from ukm_actors.nodes.marketing import core
    from ukm_actors.nodes.marketing.services import MarketingServices
    from ukm_actors.nodes.role import role_metadata, role_spec
    from ukm_actors.supervision import Names

    settings = {"admin_token": TOKEN, "level_thresholds": [500_000, 2_000_000], **marketing}
    config = load_config(
        None,
        role="marketing",
        overrides={
            "node": {"data_dir": str(tmp_path)},
            "db": {"url": db_url},
            "marketing": settings,
        },
    )
    db = Database(config.db.url)
    for metadata in role_metadata(role_spec("marketing")):
        metadata.create_all(db.engine)
    ctx = NodeContext(
        config=config, names=Names(), app=bottle.Bottle(), db=db, services=MarketingServices()
    )
    core.setup(ctx)
    return ctx


def api(node: Node, method: str, path: str, body: Any = None, token: str | None = TOKEN):
    headers = {"Content-Type": "application/json", "Accept-Language": "en"}  # asserts read English
    if token:
        headers["Authorization"] = f"Bearer {token}"
    r = http.request(
        method,
        node.ctx.url + path,
        body=None if body is None else json.dumps(body).encode(),
        headers=headers,
    )
    ctype = r.headers.get("Content-Type", "")
    data = json.loads(r.data) if ctype.startswith("application/json") else r.data.decode()
    return r.status, data


# -- tills -------------------------------------------------------------------------------

from ukm_actors.bridge import outbox  # noqa: E402
from ukm_actors.bridge.errors import AskTimeout, PeerUnreachable, RemoteError  # noqa: E402
from ukm_actors.errors import UkmError  # noqa: E402


def start_till(tmp_path, db_url, store="17", number=1, **sections: Any) -> Node:
    till = {"store": store, "number": number, "marketing_url": "", **sections.pop("till", {})}
    return start_node(
        "till", tmp_path, db_url, node={"id": f"till-{store}-{number}"}, till=till, **sections
    )


def loopback(marketing: Node, till_id: str):
    """An asker that calls the marketing node's ask handlers in this process, the way the
    bridge would: JSON in, JSON out, a refusal as ``RemoteError``."""

    def ask(name: str, message: dict[str, Any], timeout: float) -> Any:
        msg = json.loads(json.dumps(message))
        try:
            answer = _ctx(marketing).asks.get(name)(msg, till_id)
        except UkmError as exc:
            raise RemoteError(exc.code, exc.message, exc.hint) from None
        return json.loads(json.dumps(answer))

    return ask


def unreachable(name: str, message: dict[str, Any], timeout: float) -> Any:
    raise PeerUnreachable("http://127.0.0.1:9", "connection refused")


def too_slow(name: str, message: dict[str, Any], timeout: float) -> Any:
    raise AskTimeout("http://127.0.0.1:9", name, timeout)


def connect(till: Node, ask) -> None:
    """Make the till's promotion services ask through ``ask``."""
    till.ctx.services.promotions.ask = ask
    till.ctx.services.marketing_payments.ask = ask


def deliver(sender: Any, receiver: Any, channel: str) -> list[inbox.Applied]:
    """Move every unacknowledged document of ``channel`` from sender to receiver, as the
    bridge does (superseded ones are skipped), and acknowledge them."""
    from ukm_actors.bridge.models import Channel

    sender, receiver = _ctx(sender), _ctx(receiver)
    with sender.require_db().read() as session:
        acked = session.get(Channel, channel)
        entries = outbox.pending(session, channel, acked.last_acked if acked else 0, limit=10_000)
        docs = [(e.superseded, outbox.load_document(session, channel, e.seq)) for e in entries]
    done = []
    for superseded, doc in docs:
        with receiver.require_db().write() as session:
            if doc.seq <= inbox.last_applied(session, channel):
                done.append(inbox.Applied(channel, doc.seq, duplicate=True))
            elif superseded:
                inbox.skip(session, channel, doc.seq)
            else:
                done.append(inbox.apply(session, doc, receiver.appliers))
    if docs:
        with sender.require_db().write() as session:
            outbox.ack(session, channel, docs[-1][1].seq)
    return done
