"""Loading import files into the directories: every type, full and incremental, changes only."""

from sqlalchemy import select, text

from tests.server.catalog.conftest import EXAMPLES, load, write_xml
from ukm_actors.codecs.ukm_import import PriceRecord
from ukm_actors.codecs.ukm_samples import write_catalog_set, write_import_file
from ukm_actors.domain.passwords import verify_password
from ukm_actors.nodes.server.catalog.tables import Barcode, Item, Store
from ukm_actors.nodes.server.catalog.tables_local import Cashier, Price, Restriction, Seller


def rows(db, sql):
    with db.read() as s:
        return [tuple(r) for r in s.execute(text(sql)).all()]


def test_the_example_files_load_into_every_directory(examples_db):
    db = examples_db
    with db.read() as s:
        items = {i.article: i for i in s.execute(select(Item)).scalars()}
        assert set(items) == {"100245", "100311", "000304", "200017", "300128", "700501", "720033"}
        kefir = items["100245"]
        assert kefir.name == "Кефир 2,5% 900 г (новая упаковка)"  # the I file changed it
        assert kefir.group_id == "41" and kefir.taxgroup_id == "2" and not kefir.weighted
        cheese = items["000304"]  # кг: weighed, sold in grams; measprec kept as received
        assert cheese.weighted and cheese.step == 1 and cheese.measprec == "0.001"
        assert kefir.step == 1000 and kefir.measprec == "1"
        assert (
            items["700501"].alc_codes == "0300106000013672281"
            and items["700501"].min_price == 29900
        )
        codes = {b.barcode: (b.article, b.quantity) for b in s.execute(select(Barcode)).scalars()}
        assert codes["4600000000015"] == ("100245", 1000)
        assert "4600000000022" not in codes  # the six-pack barcode left with the I file
        assert {st.code for st in s.execute(select(Store)).scalars()} == {"17", "18", "S25"}
        assert s.get(Store, "17").name == "Магазин на Садовой"
        assert s.get(Price, ("17", "100245")).price == 8990
        cashiers = {c.id: c for c in s.execute(select(Cashier)).scalars()}
        assert set(cashiers) == {104, 105, 1, 900}
        assert verify_password("7741", cashiers[104].password_hash)
        # kept as a salted hash, never as the password (a substring check could meet "7741"
        # among the random base64 of the salt)
        assert cashiers[104].password_hash.startswith("$") and cashiers[104].password_hash != "7741"
        assert cashiers[1].role_id == 13 and cashiers[900].inn is None
        assert {x.id for x in s.execute(select(Seller)).scalars()} == {"S01", "S02"}
        rules = {(r.kind, r.code): r for r in s.execute(select(Restriction)).scalars()}
        assert (
            rules[("time", "T1")].time_from == "23:00" and rules[("time", "T1")].time_to == "08:00"
        )
        assert rules[("time", "T2")].days == "67" and rules[("age", "A1")].min_age == 18


def test_a_full_file_removes_what_it_does_not_contain(sdb, tmp_path):
    write_catalog_set(tmp_path, 30)
    for name in ("taxes", "classif", "updateItems"):
        assert load(sdb, next(tmp_path.glob(name + "_*"))).status == "loaded"
    from ukm_actors.codecs.ukm_samples import catalog_items

    fewer = list(catalog_items(30))[5:]
    (tmp_path / "x").mkdir()
    r = load(sdb, write_import_file(tmp_path / "x", "updateItems", fewer, "F", number=2))
    assert r.status == "loaded" and r.records == 25 and r.changes == 5
    assert rows(sdb, "SELECT count(*) FROM catalog_item") == [(25,)]
    gone = rows(sdb, "SELECT key FROM catalog_tombstone WHERE kind = 'item' ORDER BY key")
    assert gone == [(f"{i:06d}",) for i in range(1, 6)]
    assert rows(sdb, "SELECT count(*) FROM catalog_barcode WHERE article <= '000005'") == [(0,)]


def test_loading_the_same_full_file_again_changes_nothing(examples_db):
    # file 13 is loaded: 12 is refused unless forced
    assert load(examples_db, EXAMPLES / "updateItems_[12]_[F].xml").status == "obsolete"
    r = load(examples_db, EXAMPLES / "updateItems_[12]_[F].xml", force=True)
    # it restores the two items the I file changed and deleted, nothing else
    assert r.status == "loaded" and r.changes == 2
    again = load(examples_db, EXAMPLES / "updateItems_[12]_[F].xml", force=True)
    assert again.status == "loaded" and again.changes == 0


def test_an_incremental_file_changes_and_deletes_single_items(examples_db, tmp_path):
    path = write_xml(
        tmp_path,
        "updateItems_[20]_[I].xml",
        """
        <updateItems fullness="I"><version>1.5</version>
          <item><article>999001</article><name>Новый товар</name><measure>шт</measure>
            <groupId>5</groupId><taxgroupId>2</taxgroupId>
            <barcode><id>4600000099991</id></barcode></item>
          <item><article>200017</article><deleted>1</deleted></item>
          <item><article>555555</article><deleted>1</deleted></item>
        </updateItems>""",
    )
    r = load(examples_db, path)
    assert r.status == "loaded", r.error
    assert any("1 deleted item(s) were not in the catalog" in w for w in r.warnings)
    with examples_db.read() as s:
        assert s.get(Item, "999001").name == "Новый товар"
        assert s.get(Item, "200017") is None
        assert s.get(Price, ("17", "200017")) is None  # its price went with it
        assert s.get(Barcode, "4607001771234") is None


def test_a_barcode_given_to_another_item_moves(examples_db, tmp_path):
    path = write_xml(
        tmp_path,
        "updateItems_[20]_[I].xml",
        """
        <updateItems fullness="I"><version>1.5</version>
          <item><article>100311</article><name>Молоко</name><measure>шт</measure>
            <groupId>42</groupId><taxgroupId>2</taxgroupId>
            <barcode><id>4600000000015</id></barcode></item>
        </updateItems>""",
    )
    r = load(examples_db, path)
    assert r.status == "loaded", r.error
    with examples_db.read() as s:
        assert s.get(Barcode, "4600000000015").article == "100311"
        assert s.get(Item, "100245").version == r.version  # the loser is sent again too
    assert rows(
        examples_db,
        f"SELECT key FROM catalog_tombstone WHERE kind = 'barcode' AND version = {r.version}",
    ) == [("4690228004612",)]


def test_cashier_passwords_are_hashed_and_kept_when_unchanged(examples_db):
    with examples_db.read() as s:
        before = s.get(Cashier, ("17", 104)).password_hash
    r = load(examples_db, EXAMPLES / "storeCashiers_[17]_[45296]_[F].xml")
    assert r.status == "loaded" and r.changes == 0
    with examples_db.read() as s:
        assert s.get(Cashier, ("17", 104)).password_hash == before


def test_prices_of_one_store_leave_the_other_stores_alone(examples_db, tmp_path):
    other = write_import_file(
        tmp_path, "storePrices", [PriceRecord("18", "100245", 9990)], "F", store_id="18", number=1
    )
    assert load(examples_db, other).status == "loaded"
    mine = write_import_file(
        tmp_path, "storePrices", [PriceRecord("17", "100311", 11111)], "F", store_id="17", number=13
    )
    r = load(examples_db, mine)
    assert r.status == "loaded" and r.records == 1
    assert rows(examples_db, "SELECT store, article, price FROM catalog_price ORDER BY store") == [
        ("17", "100311", 11111),
        ("18", "100245", 9990),
    ]
    assert rows(examples_db, "SELECT count(*) FROM catalog_addprice") == [
        (0,)
    ]  # full file: gone too


def test_a_store_file_for_an_unknown_store_waits(examples_db, tmp_path):
    path = write_import_file(
        tmp_path, "storePrices", [PriceRecord("99", "100245", 100)], "F", store_id="99", number=1
    )
    before = rows(examples_db, "SELECT count(*) FROM catalog_load")
    r = load(examples_db, path)
    assert r.status == "waiting" and "store 99 is not known" in r.warnings[0]
    assert rows(examples_db, "SELECT count(*) FROM catalog_load") == before


def test_restrictions_without_an_id_get_a_stable_one(examples_db, tmp_path):
    body = """
        <storeRestrictions fullness="F" storeId="17"><version>1.0</version>
          <ageRestriction><groupId>72</groupId><minAge>18</minAge></ageRestriction>
        </storeRestrictions>"""
    first = load(examples_db, write_xml(tmp_path, "storeRestrictions_[17]_[6]_[F].xml", body))
    codes = rows(examples_db, "SELECT code FROM catalog_restriction")
    assert first.status == "loaded" and len(codes) == 1 and codes[0][0].startswith("h")
    again = load(examples_db, write_xml(tmp_path, "storeRestrictions_[17]_[7]_[F].xml", body))
    assert again.changes == 0 and rows(examples_db, "SELECT code FROM catalog_restriction") == codes


def test_a_file_read_by_the_helper_process_loads_the_same(sdb, tmp_path):
    from ukm_actors.codecs.ukm_samples import catalog_items, sample_classif, sample_taxes

    for t, recs in (("taxes", sample_taxes()), ("classif", sample_classif(10))):
        assert (
            load(sdb, write_import_file(tmp_path, t, recs, "F", number=1), child_bytes=1).status
            == "loaded"
        )
    path = write_import_file(tmp_path, "updateItems", catalog_items(2500, groups=10), "F", number=1)
    r = load(sdb, path, child_bytes=1)
    assert (r.status, r.records, r.changes) == ("loaded", 2500, 2500)
    with sdb.read() as s:
        item = s.get(Item, "000005")
        got = (item.name, item.measprec, item.group_id)
    want = next(i for i in catalog_items(5, groups=10) if i.article == "000005")
    assert got == (want.name, want.measprec, want.group_id)
    assert rows(sdb, "SELECT count(*) FROM catalog_barcode")[0][0] == sum(
        len(i.barcodes) for i in catalog_items(2500, groups=10)
    )


def test_a_bad_file_read_by_the_helper_process_names_its_line_and_field(examples_db, tmp_path):
    path = write_xml(
        tmp_path,
        "updateItems_[20]_[I].xml",
        """
        <updateItems fullness="I"><version>1.5</version>
          <item><article>1</article><name>X</name><measure>шт</measure><measprec>0,5</measprec>
            <groupId>5</groupId><taxgroupId>2</taxgroupId></item>
        </updateItems>""",
    )
    r = load(examples_db, path, child_bytes=1)
    assert r.status == "failed" and (r.line, r.field) == (2, "item/measprec")
    assert "comma" in r.error
    broken = write_xml(tmp_path, "classif_[20]_[F].xml", "<classif fullness='F'><group>")
    r = load(examples_db, broken, child_bytes=1)
    assert r.status == "failed" and "malformed" in r.error
