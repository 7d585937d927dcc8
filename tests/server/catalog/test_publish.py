"""Documents for the tills: whole catalogs, deltas of exactly what changed, each store its own."""

from dataclasses import replace

import pytest
from sqlalchemy import select

from tests.server.catalog.conftest import load, write_xml
from ukm_actors.bridge.models import Blob, OutboxEntry
from ukm_actors.codecs import catalogdoc
from ukm_actors.codecs.ukm_import import PriceRecord
from ukm_actors.codecs.ukm_samples import (
    catalog_items,
    sample_classif,
    sample_taxes,
    write_import_file,
)
from ukm_actors.db import QueryCounter
from ukm_actors.nodes.server.bootstrap import ensure_store
from ukm_actors.nodes.server.catalog import tills
from ukm_actors.nodes.server.catalog.publisher import MAX_RECORDS


def register(db, store, number, **kw):
    with db.write() as s:
        ensure_store(s, store)
        return tills.register_till(s, store, number, **kw)


def docs(db, node_id, after=0):
    """``[(seq, type, superseded, sha256, meta, records)]`` of the till's channel."""
    out = []
    with db.read() as s:
        entries = s.execute(
            select(OutboxEntry)
            .where(OutboxEntry.channel == f"server>{node_id}", OutboxEntry.seq > after)
            .order_by(OutboxEntry.seq)
        ).scalars()
        for e in entries:
            body = s.get(Blob, e.sha256).body
            meta, recs = catalogdoc.decode(bytes(body).splitlines(keepends=True))
            out.append((e.seq, e.doc_type, e.superseded, e.sha256, meta, list(recs)))
    return out


def kinds(records, op="put"):
    found = {}
    for r in records:
        if r.op == op:
            found.setdefault(r.kind, []).append(r.data)
    return found


@pytest.fixture
def three_tills(examples_db):
    for store, number in (("17", 1), ("17", 2), ("18", 1)):
        reg = register(examples_db, store, number)
        assert reg.created and reg.channels == {f"server>till-{store}-{number}"}
    return examples_db


def test_a_new_till_gets_its_whole_catalog_with_only_its_own_store(three_tills):
    db = three_tills
    (full17,) = docs(db, "till-17-1")
    assert full17[:3] == (1, "catalog.full", False) and full17[4]["full"] is True
    got = kinds(full17[5])
    assert [s["code"] for s in got["store"]] == ["17"]
    assert len(got["item"]) == 7 and {i["article"] for i in got["item"]} >= {"100245", "000304"}
    kefir = next(i for i in got["item"] if i["article"] == "100245")
    assert kefir["barcodes"] == [["4600000000015", 1000]]
    assert {p["article"]: p["price"] for p in got["price"]}["100245"] == 8990
    assert {c["code"] for c in got["cashier"]} == {"104", "105", "1", "900"}
    admin = next(c for c in got["cashier"] if c["code"] == "1")
    assert "supervisor" in admin["rights"] and admin["password_hash"].startswith("$pbkdf2-sha256$")
    assert {r["id"]: r["days"] for r in got["timerule"]} == {"17:T1": None, "17:T2": [5, 6]}
    assert len(got["tax"]) == 3 and len(got["group"]) == 11
    (full17b,) = docs(db, "till-17-2")
    assert full17b[3] == full17[3]  # same store, same settings: one stored body
    (full18,) = docs(db, "till-18-1")
    got18 = kinds(full18[5])
    assert [s["code"] for s in got18["store"]] == ["18"]
    assert "price" not in got18 and "cashier" not in got18 and "timerule" not in got18
    assert len(got18["item"]) == 7


def test_registering_again_queues_nothing(three_tills):
    reg = register(three_tills, "17", 1)
    assert not reg.created and reg.channels == frozenset()
    assert len(docs(three_tills, "till-17-1")) == 1


def test_a_store_price_goes_only_to_that_store(three_tills, tmp_path):
    path = write_import_file(
        tmp_path, "storePrices", [PriceRecord("17", "100311", 12345)], "I", store_id="17", number=40
    )
    r = load(three_tills, path)
    assert r.channels == {"server>till-17-1", "server>till-17-2"}
    (delta,) = docs(three_tills, "till-17-1", after=1)
    assert delta[1] == "catalog.delta" and delta[4]["store"] == "17"
    assert [(x.op, x.kind, x.data) for x in delta[5]] == [
        ("put", "price", {"article": "100311", "price": 12345})
    ]
    assert docs(three_tills, "till-18-1", after=1) == []
    assert docs(three_tills, "till-17-2", after=1)[0][3] == delta[3]


def test_cashiers_of_one_store_never_reach_another(three_tills, tmp_path):
    body = """
        <storeCashiers fullness="I" storeId="18"><version>1.0</version>
          <cashier><roleId>1</roleId><id>7</id><name>Кассир Химки</name>
            <password>9999</password></cashier>
        </storeCashiers>"""
    r = load(three_tills, write_xml(tmp_path, "storeCashiers_[18]_[2]_[I].xml", body))
    assert r.channels == {"server>till-18-1"}
    (delta,) = docs(three_tills, "till-18-1", after=1)
    assert [x.data["code"] for x in delta[5]] == ["7"]
    assert docs(three_tills, "till-17-1", after=1) == []


@pytest.fixture
def big(sdb, tmp_path):
    """300 items, two tills in store 17 and one in store 18."""
    for t, recs in (("taxes", sample_taxes()), ("classif", sample_classif(10))):
        assert load(sdb, write_import_file(tmp_path, t, recs, "F", number=1)).status == "loaded"
    assert (
        load(
            sdb,
            write_import_file(
                tmp_path, "updateItems", catalog_items(300, groups=10), "F", number=1
            ),
        ).status
        == "loaded"
    )
    for store, number in (("17", 1), ("17", 2), ("18", 1)):
        register(sdb, store, number)
    return sdb


def ten_changed(n):
    for k, item in enumerate(catalog_items(n, groups=10), 1):
        yield replace(item, name=item.name + " *") if k % 30 == 0 else item


def test_ten_changed_items_in_a_full_file_make_a_delta_of_ten(big, tmp_path):
    r = load(big, write_import_file(tmp_path, "updateItems", ten_changed(300), "F", number=2))
    assert r.records == 300 and r.changes == 10
    shas = set()
    for node in ("till-17-1", "till-17-2", "till-18-1"):
        (delta,) = docs(big, node, after=1)
        assert delta[4]["items"] == 10 and "store" not in delta[4]
        assert sorted(x.data["article"] for x in delta[5]) == [
            f"{k:06d}" for k in range(30, 301, 30)
        ]
        shas.add(delta[3])
    assert len(shas) == 1  # one body for the whole chain
    with big.read() as s:
        full = s.get(Blob, docs(big, "till-17-1")[0][3]).length
        delta_len = s.get(Blob, shas.pop()).length
    assert delta_len * 20 < full


def test_the_work_of_a_small_change_does_not_grow_with_the_catalog(sdb, tmp_path):
    counts = []
    for n, number in ((200, 1), (2000, 3)):
        for t, recs in (("taxes", sample_taxes()), ("classif", sample_classif(10))):
            load(sdb, write_import_file(tmp_path, t, recs, "F", number=number))
        load(
            sdb,
            write_import_file(
                tmp_path, "updateItems", catalog_items(n, groups=10), "F", number=number
            ),
        )
        change = [replace(i, name=i.name + "!") for i in list(catalog_items(10, groups=10))]
        path = write_import_file(tmp_path, "updateItems", change, "I", number=number + 1)
        with QueryCounter(sdb) as qc:
            r = load(sdb, path)
        assert r.changes == 10
        counts.append(qc.count)
    assert counts[0] == counts[1]


def test_a_big_catalog_is_cut_into_parts_that_tills_share(big):
    with big.write() as s:
        ensure_store(s, "19")
        tills.register_till(s, "19", 1, max_records=50)
        tills.register_till(s, "19", 2, max_records=50)
    parts = docs(big, "till-19-1")
    assert parts[0][1] == "catalog.full" and all(p[1] == "catalog.delta" for p in parts[1:])
    assert parts[0][4]["parts"] == len(parts) == 1 + 6
    items = [x.data["article"] for p in parts for x in p[5] if x.kind == "item"]
    assert items == [f"{k:06d}" for k in range(1, 301)]
    assert [p[3] for p in docs(big, "till-19-2")][1:] == [p[3] for p in parts][1:]


def test_resync_supersedes_what_the_till_has_not_taken_yet(big, tmp_path):
    load(big, write_import_file(tmp_path, "updateItems", ten_changed(300), "F", number=2))
    with big.write() as s:
        channels = tills.resync(s, "till-17-1")
    assert channels == {"server>till-17-1"}
    got = docs(big, "till-17-1")
    assert [(d[0], d[1], d[2]) for d in got] == [
        (1, "catalog.full", True),
        (2, "catalog.delta", True),
        (3, "catalog.full", False),
    ]
    assert len(docs(big, "till-17-2")) == 2


def test_settings_go_to_their_till_only(big):
    with big.write() as s:
        channels = tills.update_settings(
            s, "till-17-2", {"header": ["ООО Ромашка"], "timeouts": {"server": 3}}
        )
    assert channels == {"server>till-17-2"}
    (delta,) = docs(big, "till-17-2", after=1)
    assert [(x.kind, x.data["key"]) for x in delta[5]] == [
        ("settings", "header"),
        ("settings", "timeouts"),
    ]
    assert docs(big, "till-17-1", after=1) == []


def test_a_deleted_item_and_barcode_reach_the_tills_as_deletions_first(three_tills):
    from tests.server.catalog.conftest import EXAMPLES

    # back to the full catalog (800210 returns), then the I file deletes it again
    load(three_tills, EXAMPLES / "updateItems_[12]_[F].xml", force=True)
    load(three_tills, EXAMPLES / "updateItems_[13]_[I].xml")
    last = docs(three_tills, "till-18-1")[-1]
    ops = [(x.op, x.kind) for x in last[5]]
    assert ops == [("del", "barcode"), ("del", "item"), ("put", "item")]
    assert MAX_RECORDS >= 1000


def test_a_till_applies_everything_the_server_sends(three_tills, make_db_url, tmp_path):
    """The documents go through the till's own appliers, as the bridge would apply them."""
    from pathlib import Path

    import ukm_actors.nodes.till as till_pkg
    from tests.server.catalog.conftest import EXAMPLES
    from ukm_actors.bridge.outbox import load_document
    from ukm_actors.db import Database
    from ukm_actors.db.migrate import upgrade
    from ukm_actors.nodes.till.catalog.apply import CatalogApplier
    from ukm_actors.nodes.till.catalog.lookup import TillCatalog

    db = three_tills
    load(db, EXAMPLES / "updateItems_[12]_[F].xml")  # 800210 back
    load(db, EXAMPLES / "updateItems_[13]_[I].xml")  # and gone again, with a barcode
    path = write_import_file(
        tmp_path, "storePrices", [PriceRecord("17", "100311", 11990)], "I", store_id="17", number=50
    )
    load(db, path)
    till_db = Database(make_db_url("till"))
    upgrade(till_db, Path(till_pkg.__file__).parent / "migrations")
    applier = CatalogApplier("17")
    for seq, doc_type, *_ in docs(db, "till-17-1"):
        with db.read() as s:
            doc = load_document(s, "server>till-17-1", seq)
        with till_db.write() as s:
            (applier.apply_full if doc_type == "catalog.full" else applier.apply_delta)(s, doc)
    catalog = TillCatalog(till_db)
    found = catalog.item_by_barcode("4600000000015")
    assert found is not None and found[1] == "100245" and found[0] is not None
    assert catalog.item("800210") is None and catalog.find_barcode("4600000000022") is None
    with till_db.read() as s:
        assert (
            s.execute(
                text_sql("SELECT price FROM till_cat_price WHERE article = '100311'")
            ).scalar()
            == 11990
        )
        assert s.execute(text_sql("SELECT count(*) FROM till_cat_cashier")).scalar() == 4
        assert (
            s.execute(text_sql("SELECT days FROM till_cat_timerule WHERE id = '17:T2'")).scalar()
            == "[5, 6]"
        )
    till_db.dispose()


def text_sql(sql):
    from sqlalchemy import text

    return text(sql)
