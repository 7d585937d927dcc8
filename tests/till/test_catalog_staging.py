"""A whole catalog in several documents (a ``catalog.full`` and the parts that follow it)
is built beside the live one and switched to at its last part: until then the till
sells from the catalog it had, never from a part of the new one."""

import pytest
from sqlalchemy import func, select

from tests.nodes.helpers import get_json
from tests.till.helpers import BREAD, STORE, base_records, put
from ukm_actors.bridge import inbox
from ukm_actors.bridge.documents import Document
from ukm_actors.bridge.models import DeadLetter
from ukm_actors.codecs import catalogdoc
from ukm_actors.nodes.till.catalog import stage
from ukm_actors.nodes.till.catalog.stagetables import STAGE_OF
from ukm_actors.nodes.till.catalog.tables import LIVE_OF

JUICE = "4601234567894"
SECTIONS = ("item", "price", "addprice")


def new_catalog() -> list[list]:
    """The base store changed: bread gone, milk 99.90, juice new; in three parts."""
    records = [r for r in base_records() if r.data.get("article") != "101"]
    header = [r for r in records if r.kind not in SECTIONS]
    items = [r for r in records if r.kind == "item"]
    items.append(put("item", article="400", name="Сок", taxgroup_id="1", barcodes=[[JUICE, 1000]]))
    prices = [
        put("price", article="100", price=9990) if r.data.get("article") == "100" else r
        for r in records
        if r.kind in ("price", "addprice")
    ]
    prices.append(put("price", article="400", price=15000))
    return [header, items, prices]


def documents(node, parts: list[list], first_seq: int) -> list[Document]:
    channel = f"server>{node.ctx.node_id}"
    out = []
    for k, records in enumerate(parts):
        full = k == 0
        meta = {"full": full, "store": STORE, "records": len(records)}
        if full:
            meta["parts"] = len(parts)
        body = catalogdoc.encode(meta, records)
        doc_type = catalogdoc.FULL if full else catalogdoc.DELTA
        out.append(Document.make(doc_type, body, channel=channel, seq=first_seq + k))
    return out


def through_bridge(node, doc: Document) -> inbox.Applied:
    """As the bridge's fetcher does: prepare, then apply in one transaction."""
    node.ctx.appliers.prepare(node.ctx.db, doc)
    return in_transaction(node, doc)


def in_transaction(node, doc: Document) -> inbox.Applied:
    """Applied without being prepared: everything in the apply's transaction."""
    with node.ctx.db.write() as s:
        return inbox.apply(s, doc, node.ctx.appliers, park=True)


def dump(node, tables) -> dict[str, list]:
    with node.ctx.db.read() as s:
        return {
            kind: sorted(tuple(r) for r in s.execute(select(table)).all())
            for kind, table in tables.items()
        }


def sold_from_the_old_catalog(node) -> None:
    catalog = node.ctx.services.catalog
    assert catalog.item("100").price == 8990
    assert catalog.find_barcode(BREAD) == ("101", 1000)
    assert catalog.find_barcode(JUICE) is None


@pytest.fixture
def small_steps(monkeypatch):
    """Chunks and switch ranges of a few records, so that a small catalog takes many."""
    monkeypatch.setattr(stage, "CHUNK", 3)
    monkeypatch.setattr(stage, "SWITCH_KEYS", 2)


@pytest.mark.parametrize("apply", [through_bridge, in_transaction])
def test_the_till_sells_from_its_old_catalog_until_the_last_part(till_node, small_steps, apply):
    node, till = till_node
    docs = documents(node, new_catalog(), first_seq=2)
    till.post("/shift/open")
    for doc in docs[:-1]:
        assert not apply(node, doc).parked
        sold_from_the_old_catalog(node)
        assert till.scan(BREAD)["line"]["price"] == 4500
    _, status = get_json(node.ctx.url + "/status")
    (building,) = status["catalog"]["staging"]
    assert (building["source"], building["parts"], building["staged"]) == ("server", 3, 2)
    assert building["first_seq"] == 2

    assert not apply(node, docs[-1]).parked
    catalog = node.ctx.services.catalog
    assert catalog.item("100").price == 9990
    assert catalog.find_barcode(BREAD) is None
    assert catalog.item("400").price == 15000
    assert till.scan(JUICE)["line"]["price"] == 15000
    _, status = get_json(node.ctx.url + "/status")
    assert status["catalog"]["staging"] == []
    assert status["catalog"]["full_seq"] == 2
    assert status["catalog"]["revision"] == 1 + len(docs)  # one per document, as before
    assert all(rows == [] for rows in dump(node, STAGE_OF).values())


def test_a_staged_catalog_ends_as_the_same_catalog_in_one_document(start_till, small_steps):
    staged, _ = start_till(number=1)
    whole, _ = start_till(number=2)
    parts = new_catalog()
    for doc in documents(staged, parts, first_seq=2):
        through_bridge(staged, doc)
    (one,) = documents(whole, [[r for part in parts for r in part]], first_seq=2)
    through_bridge(whole, one)
    assert dump(staged, LIVE_OF) == dump(whole, LIVE_OF)


def test_a_part_staged_again_after_a_crash_changes_nothing(till_node, small_steps):
    node, _ = till_node
    docs = documents(node, new_catalog(), first_seq=2)
    node.ctx.appliers.prepare(node.ctx.db, docs[0])  # killed before its apply
    through_bridge(node, docs[0])  # fetched again after the restart
    _meta, records = catalogdoc.decode(docs[1].body.splitlines())
    half = list(enumerate(records, start=2))[:4]
    stage.write_chunked(node.ctx.db, half, full=False)  # killed while staging part 2
    sold_from_the_old_catalog(node)
    for doc in docs[1:]:
        through_bridge(node, doc)
    catalog = node.ctx.services.catalog
    assert catalog.item("100").price == 9990 and catalog.find_barcode(BREAD) is None
    with node.ctx.db.read() as s:
        assert s.scalar(select(func.count()).select_from(LIVE_OF["item"])) == 7


def test_a_refused_part_is_parked_and_leaves_nothing_staged(till_node, small_steps):
    node, _ = till_node
    header, items, prices = new_catalog()
    items.insert(3, put("item", article="999"))  # no name: cannot be stored
    docs = documents(node, [header, items, prices], first_seq=2)
    through_bridge(node, docs[0])
    assert through_bridge(node, docs[1]).parked
    with node.ctx.db.read() as s:
        assert s.scalar(select(func.count()).select_from(STAGE_OF["item"])) == 0
        (reason,) = s.execute(select(DeadLetter.error)).scalars()
    assert "has no 'name'" in reason, reason
    sold_from_the_old_catalog(node)


def test_a_new_whole_catalog_replaces_one_still_being_built(till_node, small_steps):
    node, _ = till_node
    first = documents(node, new_catalog(), first_seq=2)
    through_bridge(node, first[0])
    through_bridge(node, first[1])
    # the server superseded its last part and sent the base catalog again, in one document
    channel = f"server>{node.ctx.node_id}"
    with node.ctx.db.write() as s:
        inbox.skip(s, channel, 4)
    (again,) = documents(node, [base_records()], first_seq=5)
    assert not through_bridge(node, again).parked
    sold_from_the_old_catalog(node)
    with node.ctx.db.read() as s:
        assert stage.everything(s) == []
    delta = Document.make(
        catalogdoc.DELTA,
        catalogdoc.encode(
            {"full": False, "store": STORE}, [put("price", article="100", price=100)]
        ),
        channel=channel,
        seq=6,
    )
    through_bridge(node, delta)
    assert node.ctx.services.catalog.item("100").price == 100


def test_parts_of_a_catalog_whose_first_part_never_got_in_go_to_the_live_one(till_node):
    node, _ = till_node
    channel = f"server>{node.ctx.node_id}"
    with node.ctx.db.write() as s:  # begun, then its catalog.full was refused and parked
        stage.begin(s, stage.SERVER, channel, ["item", "price"], 2, 4)
        inbox.skip(s, channel, 2)
    delta = Document.make(
        catalogdoc.DELTA,
        catalogdoc.encode({"full": False, "store": STORE}, [put("price", article="100", price=7)]),
        channel=channel,
        seq=3,
    )
    assert not through_bridge(node, delta).parked
    assert node.ctx.services.catalog.item("100").price == 7
    assert node.ctx.services.catalog.find_barcode(BREAD) == ("101", 1000)
    with node.ctx.db.read() as s:
        assert stage.everything(s) == []
