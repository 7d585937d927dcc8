"""The import folder: order, skipping, a failed type waiting for a new full file, moves."""

from sqlalchemy import select, text

from tests.server.catalog.conftest import load, write_xml
from ukm_actors.codecs.ukm_import import ItemRecord, PriceRecord, StoreRecord
from ukm_actors.codecs.ukm_samples import write_import_file
from ukm_actors.nodes.server.catalog.folder import ImportFolder
from ukm_actors.nodes.server.catalog.loader import LoadOptions
from ukm_actors.nodes.server.catalog.tables import Item
from ukm_actors.nodes.server.catalog.tables_changes import CatalogLoad


def item(article, name="Товар", barcode=None):
    return ItemRecord(article, name, "шт", "1", "5", "2")


def items_file(folder, number, fullness, *articles, name="Товар"):
    return write_import_file(
        folder, "updateItems", [item(a, name) for a in articles], fullness, number=number
    )


def folder_of(db, inbox):
    return ImportFolder(db, inbox, settle=0.0, options=LoadOptions(kind="folder"))


def scan(f):
    f.scan()
    return f.scan()


def history(db):
    with db.read() as s:
        return [
            (r.file, r.status)
            for r in s.execute(
                select(CatalogLoad).where(CatalogLoad.kind == "folder").order_by(CatalogLoad.id)
            ).scalars()
        ]


def articles(db):
    with db.read() as s:
        return sorted(s.execute(select(Item.article)).scalars())


def test_newest_full_then_newer_incrementals_older_ones_skipped(examples_db, inbox):
    items_file(inbox, 30, "F", "1", "2")
    items_file(inbox, 31, "I", "3")
    items_file(inbox, 32, "F", "10", "11")
    items_file(inbox, 33, "I", "12")
    items_file(inbox, 29, "I", "4")
    results = scan(folder_of(examples_db, inbox))
    assert [r.file for r in results] == ["updateItems_[32]_[F].xml", "updateItems_[33]_[I].xml"]
    assert articles(examples_db) == ["10", "11", "12"]
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == sorted(
        f"updateItems_[{n}]_[{x}].xml"
        for n, x in ((29, "I"), (30, "F"), (31, "I"), (32, "F"), (33, "I"))
    )
    assert not list(inbox.glob("*.xml"))
    skipped = [f for f, st in history(examples_db) if st == "skipped"]
    assert len(skipped) == 3


def test_a_late_file_numbered_below_the_loaded_full_one_is_skipped(examples_db, inbox):
    f = folder_of(examples_db, inbox)
    items_file(inbox, 40, "F", "1")
    scan(f)
    items_file(inbox, 39, "I", "2")
    assert scan(f) == []
    assert (inbox / "processed" / "updateItems_[39]_[I].xml").exists()
    assert articles(examples_db) == ["1"]


def test_a_failed_type_waits_for_a_newer_full_file_and_the_others_go_on(examples_db, inbox):
    f = folder_of(examples_db, inbox)
    write_xml(
        inbox, "updateItems_[20]_[I].xml", '<updateItems fullness="I"><version>1.5</version><item>'
    )
    assert [r.status for r in scan(f)] == ["failed"]
    items_file(inbox, 21, "I", "777")
    write_import_file(
        inbox, "storePrices", [PriceRecord("17", "100311", 4242)], "I", store_id="17", number=30
    )
    results = scan(f)
    assert [r.file for r in results] == ["storePrices_[17]_[30]_[I].xml"]  # prices load, items wait
    assert (inbox / "updateItems_[21]_[I].xml").exists()
    assert "777" not in articles(examples_db)
    items_file(inbox, 22, "F", "100245", "100311")
    results = scan(f)
    assert [(r.file, r.status) for r in results] == [("updateItems_[22]_[F].xml", "loaded")]
    assert (inbox / "processed" / "updateItems_[21]_[I].xml").exists()
    assert articles(examples_db) == ["100245", "100311"]
    items_file(inbox, 23, "I", "555")
    assert [r.status for r in scan(f)] == ["loaded"]


def test_a_file_still_being_written_is_not_taken(examples_db, inbox):
    f = folder_of(examples_db, inbox)
    path = inbox / "updateItems_[50]_[I].xml"
    path.write_text('<updateItems fullness="I"><version>1.5</version>\n', encoding="utf-8")
    assert f.scan() == []
    with path.open("a", encoding="utf-8") as out:
        out.write("<item><article>42</article><name>Х</name><measure>шт</measure>")
    assert f.scan() == []  # it grew since the last look
    with path.open("a", encoding="utf-8") as out:
        out.write("<groupId>5</groupId><taxgroupId>2</taxgroupId></item></updateItems>\n")
    assert f.scan() == []
    assert [r.status for r in f.scan()] == ["loaded"]
    assert "42" in articles(examples_db)


def test_a_file_loaded_before_a_crash_is_only_moved(examples_db, inbox):
    path = items_file(inbox, 60, "I", "61")
    assert load(examples_db, path, kind="folder").status == "loaded"  # committed, then "crashed"
    assert scan(folder_of(examples_db, inbox)) == []
    assert (inbox / "processed" / path.name).exists()
    assert [st for fl, st in history(examples_db) if fl == path.name] == ["loaded"]


def test_a_file_for_an_unknown_store_waits_until_the_store_comes(examples_db, inbox):
    f = folder_of(examples_db, inbox)
    prices = write_import_file(
        inbox, "storePrices", [PriceRecord("77", "100245", 100)], "F", store_id="77", number=1
    )
    assert scan(f) == []
    assert prices.exists()
    write_import_file(inbox, "stores", [StoreRecord("77", "Новый магазин")], "I", number=10)
    results = scan(f)
    assert [r.file for r in results] == ["stores_[10]_[I].xml", prices.name]
    with examples_db.read() as s:
        assert s.execute(text("SELECT price FROM catalog_price WHERE store = '77'")).scalar() == 100


def ignored(db):
    with db.read() as s:
        return {
            r.file: r.warnings
            for r in s.execute(select(CatalogLoad).where(CatalogLoad.status == "ignored")).scalars()
        }


def test_files_the_loader_will_not_read_are_logged_once_and_listed(examples_db, inbox, caplog):
    """Issue 16.3: notes.txt, prices.xml, a type not read here: never silent."""
    other = inbox / "kit_[1]_[F].xml"
    other.write_text('<kit fullness="F"/>', encoding="utf-8")
    (inbox / "notes.txt").write_text("hello", encoding="utf-8")
    (inbox / "prices.xml").write_text("<prices/>", encoding="utf-8")
    (inbox / "archive").mkdir()
    f = folder_of(examples_db, inbox)
    with caplog.at_level("WARNING", logger="ukm_actors.nodes.server.catalog"):
        for _ in range(3):
            assert f.scan() == []
    assert other.exists() and (inbox / "notes.txt").exists() and (inbox / "prices.xml").exists()
    listed = ignored(examples_db)
    assert set(listed) == {"kit_[1]_[F].xml", "notes.txt", "prices.xml", "archive"}
    for name in ("notes.txt", "prices.xml"):
        assert listed[name].startswith("not an exchange file name; expected <type>_[<number>]_")
        assert "updateItems_[12]_[F].xml" in listed[name]
    assert "type kit are not read" in listed["kit_[1]_[F].xml"]
    logged = [r.getMessage() for r in caplog.records]
    for name in listed:
        assert sum(name in m for m in logged) == 1, (name, logged)
    # a restart (a new folder object) logs again but does not list them twice
    folder_of(examples_db, inbox).scan()
    with examples_db.read() as s:
        count = s.execute(text("SELECT count(*) FROM catalog_load WHERE status = 'ignored'"))
        assert count.scalar() == 4


def test_an_older_full_file_after_a_newer_incremental_one_is_skipped(examples_db, inbox):
    """Issue 16.1 in the folder: I 31 loaded on F 30, then F 29 arrives late: skipped."""
    f = folder_of(examples_db, inbox)
    items_file(inbox, 30, "F", "1", "2")
    items_file(inbox, 31, "I", "3")
    scan(f)
    items_file(inbox, 29, "F", "1")
    assert scan(f) == []
    assert articles(examples_db) == ["1", "2", "3"]
    assert (inbox / "processed" / "updateItems_[29]_[F].xml").exists()
    with examples_db.read() as s:
        reason = s.execute(
            select(CatalogLoad.warnings).where(CatalogLoad.file == "updateItems_[29]_[F].xml")
        ).scalar_one()
    assert "updateItems file 31 is already loaded" in reason


def test_only_one_server_of_a_cluster_scans_at_a_time(examples_db, inbox):
    first = ImportFolder(
        examples_db, inbox, settle=0.0, holder="host-a:server", options=LoadOptions(kind="folder")
    )
    second = ImportFolder(
        examples_db, inbox, settle=0.0, holder="host-b:server", options=LoadOptions(kind="folder")
    )
    items_file(inbox, 70, "I", "71")
    first.ready_names()
    second.ready_names()
    assert [r.status for r in first.scan()] == ["loaded"]
    items_file(inbox, 72, "I", "73")
    second.ready_names()
    assert second.scan() == []  # the lease is host-a's
    first.release()
    assert [r.file for r in second.scan()] == ["updateItems_[72]_[I].xml"]


def test_the_lease_is_renewed_while_a_long_file_loads(examples_db, inbox):
    from ukm_actors.db.models import Lease

    f = ImportFolder(examples_db, inbox, holder="host-a:server", lease_ttl=30.0)
    assert f._take_lease()
    with examples_db.read() as s:
        before = s.get(Lease, "catalog.import").expires_at_ms
    f._renewed = 0.0  # as if ten seconds had passed
    import time

    time.sleep(0.01)
    f._heartbeat()
    with examples_db.read() as s:
        lease = s.get(Lease, "catalog.import")
        assert lease.holder == "host-a:server" and lease.expires_at_ms > before
