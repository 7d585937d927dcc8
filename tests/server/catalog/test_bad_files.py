"""Every kind of bad file is refused with its line and field, and nothing is changed.

Only what the vendor documents as wrong, XML that cannot be read, and records that cannot be
stored at all (a key missing or twice) are refused; what is tolerated instead is in
``test_tolerance.py``."""

import pytest

from tests.server.catalog.conftest import dump, write_xml
from ukm_actors.codecs.ukm_samples import catalog_items, write_import_file
from ukm_actors.nodes.server.catalog.folder import ImportFolder
from ukm_actors.nodes.server.catalog.loader import LoadOptions

ITEM = (
    "<item><article>{a}</article><name>Товар {a}</name><measure>шт</measure>"
    "<groupId>{g}</groupId><taxgroupId>{t}</taxgroupId><barcode><id>{b}</id></barcode></item>"
)


def items(*rows):
    return "\n".join(ITEM.format(**r) for r in rows)


def ok_item(a, b, g="5", t="2"):
    return {"a": a, "b": b, "g": g, "t": t}


CASES = {
    "bad XML": (
        "updateItems_[20]_[I].xml",
        '<updateItems fullness="I"><version>1.5</version>\n'
        "<item><article>1</article>\n</itm>\n</updateItems>",
        3,
        None,
        "malformed",
    ),
    "missing field": (
        "updateItems_[20]_[I].xml",
        '<updateItems fullness="I"><version>1.5</version>\n'
        "<item><article>900002</article><measure>шт</measure>"
        "<groupId>5</groupId><taxgroupId>2</taxgroupId></item>\n</updateItems>",
        2,
        "item/name",
        "missing",
    ),
    "bad INN": (
        "storeCashiers_[17]_[50000]_[F].xml",
        '<storeCashiers fullness="F" storeId="17"><version>1.0</version>\n'
        "<cashier><roleId>1</roleId><id>104</id><name>Петрова</name>\n"
        "<INN>772938475607</INN><password>1</password></cashier>\n</storeCashiers>",
        3,
        "cashier/INN",
        "check digit",
    ),
    "a barcode twice": (
        "updateItems_[20]_[I].xml",
        '<updateItems fullness="I"><version>1.5</version>\n'
        + items(ok_item("900001", "4600000090001"), ok_item("900002", "4600000090001"))
        + "\n</updateItems>",
        3,
        "item/barcode/id",
        "appears twice in this file (first at line 2)",
    ),
    "an article twice": (
        "updateItems_[20]_[I].xml",
        '<updateItems fullness="I"><version>1.5</version>\n'
        + items(ok_item("900001", "4600000090001"), ok_item("900001", "4600000090002"))
        + "\n</updateItems>",
        3,
        "item/article",
        "appears twice",
    ),
    "a DTD with entities": (
        "updateItems_[20]_[I].xml",
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]>\n'
        '<updateItems fullness="I"><version>1.5</version></updateItems>',
        2,
        None,
        "DOCTYPE",
    ),
    "a decimal comma (documented: a point)": (
        "updateItems_[20]_[I].xml",
        '<updateItems fullness="I"><version>1.5</version>\n'
        "<item><article>1</article><name>X</name><measure>кг</measure>\n"
        "<measprec>0,001</measprec><groupId>5</groupId><taxgroupId>2</taxgroupId></item>\n"
        "</updateItems>",
        3,
        "item/measprec",
        "uses a comma",
    ),
    "wrong fullness for the type": (
        "taxes_[20]_[I].xml",
        '<taxes fullness="I"><version>1.0</version></taxes>',
        1,
        "fullness",
        "not allowed for taxes",
    ),
}


def scan(db, folder):
    f = ImportFolder(db, folder, settle=0.0, options=LoadOptions(kind="folder"), language="en")
    f.scan()  # notes sizes
    return f.scan()


def test_every_bad_file_goes_to_failed_with_its_line_and_field_and_changes_nothing(
    examples_db, inbox
):
    """One database for all the cases: after each, its failure is forgotten so the next
    file of the same type is not held back (that is tested in test_folder)."""
    from sqlalchemy import text

    for case, (name, body, line, field, expected) in sorted(CASES.items()):
        write_xml(inbox, name, body)
        before = dump(examples_db)
        results = scan(examples_db, inbox)
        assert [r.status for r in results] == ["failed"], case
        assert not (inbox / name).exists(), case
        failed = inbox / "failed" / name
        assert failed.exists(), case
        report = (failed.parent / f"{name}.error.txt").read_text(encoding="utf-8")
        assert f"line:    {line if line is not None else '-'}" in report, (case, report)
        assert f"field:   {field or '-'}" in report, (case, report)
        assert expected in report, (case, report)
        assert "send a new full file" in report, case
        assert dump(examples_db) == before, case
        failed.unlink()
        with examples_db.write() as session:
            session.execute(text("DELETE FROM catalog_load WHERE status = 'failed'"))


def _big(folder, n, bad):

    def gen():
        for k, item in enumerate(catalog_items(n, groups=5), 1):
            yield bad(item) if k == n - 10 else item

    return write_import_file(folder, "updateItems", gen(), "F", number=30)


def _five_groups(db, folder):
    from tests.server.catalog.conftest import load
    from ukm_actors.codecs.ukm_samples import sample_classif, sample_taxes

    for t, recs in (("taxes", sample_taxes()), ("classif", sample_classif(5))):
        assert load(db, write_import_file(folder, t, recs, "F", number=30)).status == "loaded"


@pytest.mark.parametrize("fresh", [True, False], ids=["into an empty catalog", "over a catalog"])
def test_an_error_deep_in_a_big_file_leaves_nothing_of_it(fresh, sdb, tmp_path, inbox):
    from dataclasses import replace

    from tests.server.catalog.conftest import load

    _five_groups(sdb, tmp_path)
    if not fresh:
        assert (
            load(
                sdb,
                write_import_file(
                    tmp_path, "updateItems", catalog_items(100, groups=5), "F", number=1
                ),
            ).status
            == "loaded"
        )
    before = dump(sdb)
    # far past the first batches: they were written, and must be rolled back
    path = _big(inbox, 2300, lambda item: replace(item, name=""))
    results = scan(sdb, inbox)
    assert [r.status for r in results] == ["failed"]
    assert results[0].field == "item/name" and results[0].line > 2000 * 10
    assert dump(sdb) == before
    assert not path.exists()


@pytest.mark.parametrize("fresh", [True, False], ids=["into an empty catalog", "over a catalog"])
def test_a_duplicate_found_by_the_database_is_reported_with_both_lines(fresh, sdb, tmp_path, inbox):
    from dataclasses import replace

    from tests.server.catalog.conftest import load

    _five_groups(sdb, tmp_path)
    if not fresh:
        assert (
            load(
                sdb,
                write_import_file(
                    tmp_path, "updateItems", catalog_items(100, groups=5), "F", number=1
                ),
            ).status
            == "loaded"
        )
    before = dump(sdb)
    _big(inbox, 2300, lambda item: replace(item, article="000007"))
    results = scan(sdb, inbox)
    assert [r.status for r in results] == ["failed"]
    assert (
        results[0].field == "item/article"
        and "appears twice in this file (first at line" in results[0].error
    )
    assert dump(sdb) == before


@pytest.mark.parametrize("child_bytes", [0, 1], ids=["in-process", "helper-process"])
def test_the_error_txt_is_in_the_nodes_language_russian_by_default(
    examples_db, inbox, child_bytes
):
    """Read here or by the helper process (the texts cross its pipe): Russian, with what to
    do next; the history keeps the texts for each reader."""
    from ukm_actors.nodes.server.catalog.tables_changes import CatalogLoad
    from ukm_actors.nodes.server.catalog.texts import read_texts

    name = "storePrices_[17]_[40]_[I].xml"
    write_xml(
        inbox,
        name,
        '<storePrices fullness="I" storeId="17"><version>1</version>\n'
        "<price><article>100245</article><value>89,90</value></price>\n</storePrices>",
    )
    f = ImportFolder(
        examples_db, inbox, settle=0.0, options=LoadOptions(kind="folder", child_bytes=child_bytes)
    )
    f.scan()
    (result,) = f.scan()
    assert result.status == "failed"
    report = (inbox / "failed" / f"{name}.error.txt").read_text("utf-8")
    assert "строка:  2\nполе:    price/value\n" in report
    assert "'89,90' записано с запятой; пишите десятичную точку, например '89.90'" in report
    assert "Из этого файла ничего не загружено" in report
    action = "Что сделать: пришлите новый полный файл storePrices (fullness F, с номером больше 40)"
    assert action in report
    with examples_db.read() as s:
        row = s.query(CatalogLoad).filter(CatalogLoad.file == name).one()
        stored, error = row.texts, row.error
    texts = read_texts(stored)
    assert texts is not None and texts.reason is not None
    assert texts.reason.in_language("ru") == (  # type: ignore[attr-defined]
        "'89,90' записано с запятой; пишите десятичную точку, например '89.90'"
    )
    assert error == (
        f"{name} line 2, field price/value: '89,90' uses a comma; "
        "write a decimal point, e.g. '89.90'"
    )
