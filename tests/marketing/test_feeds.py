"""The cash server's feeds: applied by the marketing server, and queued by the server."""

import json

import pytest
from sqlalchemy import select

from tests.marketing.helpers import apply_doc, feed_catalog, feed_stores
from ukm_actors.bridge import outbox
from ukm_actors.bridge.inbox import PermanentApplyError
from ukm_actors.domain.promotions.feeds import FeedGroup, FeedItem, decode_catalog, decode_stores
from ukm_actors.nodes.marketing.core.campaigns import publish, save_campaign
from ukm_actors.nodes.marketing.core.tables import MkGroup, MkItem, MkTill
from ukm_actors.supervision.testing import expect


def add_campaign(ctx, data):
    """Create a campaign as the admin API does (then the tills' copies are re-published)."""
    with ctx.require_db().write() as s:
        save_campaign(s, data, create=True)
        publish(s)


GROUPS = [FeedGroup("food", None, "Food"), FeedGroup("dairy", "food", "Dairy")]
ITEMS = [
    FeedItem("1001", "Milk", False, "dairy", 0),
    FeedItem("2002", "Cheese", True, "dairy", 50000),
    FeedItem("3003", "Bread", False, "food", 0),
]


def copies(ctx, till_id):
    with ctx.require_db().read() as s:
        entries = outbox.pending(s, f"marketing>{till_id}", 0)
        return [
            (e.superseded, json.loads(outbox.load_document(s, e.channel, e.seq).body))
            for e in entries
        ]


def test_catalog_feed_replaces_the_hierarchy_and_items(light):
    feed_catalog(light, ITEMS, GROUPS)
    feed_catalog(light, ITEMS[:2], GROUPS)
    with light.require_db().read() as s:
        items = {
            i.article: (i.weighted, i.group_id, i.min_price)
            for i in s.execute(select(MkItem)).scalars()
        }
        groups = {g.id: g.parent_id for g in s.execute(select(MkGroup)).scalars()}
    assert items == {"1001": (False, "dairy", 0), "2002": (True, "dairy", 50000)}
    assert groups == {"food": None, "dairy": "food"}


def test_a_malformed_feed_is_refused_and_changes_nothing(light):
    feed_catalog(light, ITEMS, GROUPS)
    body = (
        b'{"kind": "meta", "groups": 0, "items": 2}\n'
        b'{"kind": "item", "article": "9", "name": "x"}\n'
    )
    with pytest.raises(PermanentApplyError, match="incomplete"):
        apply_doc(light, "server>marketing", "feed.catalog", body)
    with light.require_db().read() as s:
        assert len(list(s.execute(select(MkItem)).scalars())) == 3


def test_store_feed_gives_every_till_its_copy_and_group_items(light):
    feed_catalog(light, ITEMS, GROUPS)
    add_campaign(
        light,
        {
            "id": "FOOD",
            "name": "Food -5%",
            "conditions": {"groups": ["food"]},
            "action": {"type": "percent", "value": 500},
        },
    )
    feed_stores(light, {"17": 2, "18": 1})
    for till in ("till-17-1", "till-17-2", "till-18-1"):
        ((superseded, body),) = copies(light, till)
        assert not superseded
        assert [c["id"] for c in body["campaigns"]] == ["FOOD"]
        assert body["item_groups"] == {"1001": ["food"], "2002": ["food"], "3003": ["food"]}
        assert body["floors"] == {"2002": 50000}


def test_a_till_left_out_of_the_store_feed_gets_no_more_copies(light):
    feed_stores(light, {"17": 2})
    feed_stores(light, {"17": 1})
    with light.require_db().read() as s:
        active = {t.node_id: t.active for t in s.execute(select(MkTill)).scalars()}
    assert active == {"till-17-1": True, "till-17-2": False}
    add_campaign(
        light,
        {"id": "X", "name": "x", "action": {"type": "percent", "value": 100}},
    )
    assert len(copies(light, "till-17-1")) == 2
    assert len(copies(light, "till-17-2")) == 1


def test_a_new_copy_supersedes_the_undelivered_one(light):
    feed_stores(light, {"17": 1})
    for cid in ("A", "B"):
        add_campaign(
            light,
            {"id": cid, "name": cid, "action": {"type": "percent", "value": 100}},
        )
    got = copies(light, "till-17-1")
    assert [s for s, _ in got] == [True, True, False]
    assert [c["id"] for c in got[-1][1]["campaigns"]] == ["A", "B"]


def test_an_unchanged_set_is_not_sent_again(light):
    feed_catalog(light, ITEMS, GROUPS)
    feed_stores(light, {"17": 1})
    feed_stores(light, {"17": 1})
    feed_catalog(light, ITEMS, GROUPS)
    assert len(copies(light, "till-17-1")) == 1


# -- the server side ---------------------------------------------------------------------


@pytest.fixture
def server(tmp_path, make_db_url):
    from tests.nodes.helpers import start_node

    node = start_node("server", tmp_path, make_db_url("server"), marketing={"feed_interval": 3600})
    yield node
    node.stop()


def _row(model, **given):
    """A row of another feature's model: ``given`` plus a plain value for every other
    required column (those models grow; this test only needs what the feed reads)."""
    import sqlalchemy as sa

    values = dict(given)
    for col in model.__table__.columns:
        if col.name in values or col.nullable or col.default is not None or col.server_default:
            continue
        if col.primary_key and isinstance(col.type, sa.Integer) and col.autoincrement is True:
            continue
        kind = col.type.python_type
        values[col.name] = {str: "", int: 0, bool: False}.get(kind, None)
        if kind.__name__ == "datetime":
            from datetime import UTC, datetime

            values[col.name] = datetime.now(UTC)
    return model(**values)


def _seed_server(server):
    from ukm_actors.nodes.server.catalog.tables import Group, Item, Store
    from ukm_actors.nodes.server.catalog.tables_local import Till

    with server.ctx.require_db().write() as s:
        s.add(_row(Store, code="17", name="Store 17", active=True))
        s.add(_row(Group, id="food", parent_id=None, name="Food"))
        s.add(_row(Group, id="dairy", parent_id="food", name="Dairy"))
        for article, name, weighted, group, floor in (
            ("1001", "Milk", False, "dairy", None),
            ("2002", "Cheese", True, "dairy", 50000),
        ):
            s.add(
                _row(
                    Item,
                    article=article,
                    name=name,
                    weighted=weighted,
                    group_id=group,
                    min_price=floor,
                )
            )
        s.add(_row(Till, node_id="till-17-1", store="17", number=1, enabled=True))


def _feeds(server):
    with server.ctx.require_db().read() as s:
        return [
            (e.doc_type, outbox.load_document(s, e.channel, e.seq).body)
            for e in outbox.pending(s, "server>marketing", 0)
        ]


def test_the_server_queues_feeds_only_for_a_registered_marketing_server(server):
    from ukm_actors.bridge.peers import register_peer
    from ukm_actors.nodes.server.feeds import feeds_holder, queue_feeds

    _seed_server(server)
    db = server.ctx.require_db()
    me = feeds_holder(server.ctx)  # the node's own feeder shares the lease
    # The node's own feeder looks at start, then every 30 s: once it has looked (and found no
    # marketing server), its next round is far off and cannot queue what this test expects
    # its own calls to queue.
    feeder = server.ctx.actor("marketing_feeder").proxy()
    assert expect(lambda: feeder.status().get(timeout=10), what="the feeder's first round")["idle"]
    assert queue_feeds(db, catalog=True, stores=True, holder=me) is None  # not registered
    with db.write() as s:
        register_peer(s, "marketing", "marketing")
    assert queue_feeds(db, catalog=True, stores=True, holder=me) == [
        "feed.stores",
        "feed.catalog",
    ]
    assert queue_feeds(db, catalog=True, stores=True, holder=me) == []
    assert queue_feeds(db, catalog=False, stores=True, holder="another-process") is None
    assert queue_feeds(db, catalog=False, stores=True, holder=me, heartbeat=True) == [
        "feed.heartbeat"
    ]
    (t1, stores), (t2, catalog), (t3, beat) = _feeds(server)
    assert [(s.code, [t.node_id for t in s.tills]) for s in decode_stores(stores)] == [
        ("17", ["till-17-1"])
    ]
    records = list(decode_catalog(catalog))
    assert FeedItem("2002", "Cheese", True, "dairy", 50000) in records
    assert FeedGroup("dairy", "food", "Dairy") in records
    from ukm_actors.bridge.documents import sha256_hex
    from ukm_actors.domain.promotions.feeds import decode_heartbeat

    assert t3 == "feed.heartbeat"
    heartbeat = decode_heartbeat(beat)
    assert (heartbeat["catalog"], heartbeat["stores"]) == (sha256_hex(catalog), sha256_hex(stores))


def test_a_heartbeat_records_contact_and_changes_nothing(light):
    from ukm_actors.domain.promotions.feeds import encode_heartbeat

    feed_catalog(light, ITEMS, GROUPS)
    apply_doc(
        light,
        "server>marketing",
        "feed.heartbeat",
        encode_heartbeat("2026-12-01T08:00:00Z", "x", None),
    )
    with pytest.raises(PermanentApplyError, match="heartbeat"):
        apply_doc(light, "server>marketing", "feed.heartbeat", b"[]")
    with light.require_db().read() as s:
        assert len(list(s.execute(select(MkItem)).scalars())) == 3


def test_server_feeds_applied_on_the_marketing_server(server, light):
    from ukm_actors.bridge.peers import register_peer

    _seed_server(server)
    with server.ctx.require_db().write() as s:
        register_peer(s, "marketing", "marketing")
    feeder = server.ctx.actor("marketing_feeder").proxy()
    feeder.run(force_catalog=True).get(timeout=10)  # (its own first round may come first)
    assert feeder.run(force_catalog=True).get(timeout=10) == []
    assert [t for t, _ in _feeds(server)] == ["feed.stores", "feed.catalog"]
    assert server.status()["marketing_feeds"]["queued"] == []
    for doc_type, body in _feeds(server):
        apply_doc(light, "server>marketing", doc_type, body)
    with light.require_db().read() as s:
        assert s.get(MkItem, "2002").min_price == 50000
        assert s.get(MkTill, "till-17-1").campaigns_sha is not None


def test_the_stores_view_says_which_campaign_version_each_till_has(light):
    from ukm_actors.nodes.marketing.core.campaigns import store_set
    from ukm_actors.nodes.marketing.core.storesview import stores_view

    feed_stores(light, {"17": 1})
    add_campaign(light, {"id": "A", "name": "a", "action": {"type": "percent", "value": 100}})
    db = light.require_db()
    with db.read() as s:
        version = store_set(s, "17").version
        (store,) = stores_view(s)["stores"]
    (till,) = store["tills"]
    assert store["campaigns_version"] == version
    assert till["campaigns"] == {"version": version, "delivered": False}
    with db.write() as s:
        last = max(e.seq for e in outbox.pending(s, "marketing>till-17-1", 0))
        outbox.ack(s, "marketing>till-17-1", last)
    with db.read() as s:
        assert stores_view(s)["stores"][0]["tills"][0]["campaigns"] == {
            "version": version,
            "delivered": True,
        }


def test_a_catalog_change_is_fed_at_the_next_round_not_the_next_interval(server):
    """The fixture's feed_interval is an hour; a load (a catalog_load row) is enough."""
    from ukm_actors.bridge.peers import register_peer
    from ukm_actors.nodes.server.catalog.tables import Item
    from ukm_actors.nodes.server.catalog.tables_changes import CatalogLoad

    _seed_server(server)
    db = server.ctx.require_db()
    with db.write() as s:
        register_peer(s, "marketing", "marketing")
    feeder = server.ctx.actor("marketing_feeder").proxy()
    feeder.run().get(timeout=10)  # its first round found no marketing server: not "done"
    assert [t for t, _ in _feeds(server)] == ["feed.stores", "feed.catalog"]
    assert feeder.run().get(timeout=10) == []
    with db.write() as s:
        s.add(_row(Item, article="3003", name="Bread", weighted=False, group_id="food"))
    assert feeder.run().get(timeout=10) == []  # no change recorded: waits for its interval
    with db.write() as s:
        s.add(_row(CatalogLoad, kind="admin", type="item.create", status="loaded"))
    assert feeder.run().get(timeout=10) == ["feed.catalog"]
    assert feeder.run().get(timeout=10) == []
