"""A catalog change is read again only once its transaction has committed.

The bridge applies each document inside a SAVEPOINT, and SQLAlchemy's ``after_commit``
fires when that is released. The till used to forget its cached rules right then: a scan
in that instant read the old rules again and kept them — on PostgreSQL under load a
restriction lifted in the console went on refusing the item until the next catalog
change (CI saw it twice). ``db.hooks.after_commit`` waits for the real commit.
"""

from __future__ import annotations

from tests.till.helpers import STORE, delete
from ukm_actors.bridge import inbox
from ukm_actors.bridge.documents import Document
from ukm_actors.codecs import catalogdoc


def _delta(node, records, seq: int) -> Document:
    body = catalogdoc.encode({"full": False, "store": STORE, "records": len(records)}, records)
    return Document.make(catalogdoc.DELTA, body, channel=f"server>{node.ctx.node_id}", seq=seq)


def test_a_rule_lifted_is_not_read_back_in_before_the_commit(till_node):
    node, _client = till_node
    catalog = node.ctx.services.catalog
    vodka = catalog.item("201")
    assert [r.id for r in catalog.time_rules(vodka)] == ["night"]
    version = catalog.version
    with node.ctx.db.read() as s:
        seq = inbox.last_applied(s, f"server>{node.ctx.node_id}") + 1
    doc = _delta(node, [delete("timerule", id="night")], seq)

    with node.ctx.db.write() as session:
        applied = inbox.apply(session, doc, node.ctx.appliers, park=True)
        assert not applied.parked
        # the apply's SAVEPOINT is released, the transaction not committed: a scan now
        # reads the rule still in force, and the cache must not keep that past the commit
        assert catalog.version == version
        assert [r.id for r in catalog.time_rules(vodka)] == ["night"]

    assert catalog.version == version + 1
    assert catalog.time_rules(vodka) == []
