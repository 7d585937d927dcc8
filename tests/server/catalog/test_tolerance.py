"""Issue 16.2: never refuse a whole catalog over a field whose meaning is not documented.

Each file below used to be refused whole. It now loads; what could not be used takes a stated
default or is left out, and the file's report (``catalog_load.warnings``, shown by
``GET /api/v1/imports`` and logged) says what was assumed, once per field and kind.
"""

import logging

import pytest
from sqlalchemy import select, text

from tests.server.catalog.conftest import dump, load, write_xml
from ukm_actors.domain.units import WeighRule
from ukm_actors.nodes.server.catalog.folder import ImportFolder
from ukm_actors.nodes.server.catalog.loader import LoadOptions
from ukm_actors.nodes.server.catalog.tables import Group, Item, TaxGroup
from ukm_actors.nodes.server.catalog.tables_local import Cashier, Price, Restriction

ITEM = (
    "<item><article>{a}</article><name>Товар {a}</name><measure>{m}</measure>"
    "<measprec>{p}</measprec><groupId>{g}</groupId><taxgroupId>{t}</taxgroupId></item>"
)


def items_file(folder, number, rows, fullness="I"):
    body = "\n".join(
        ITEM.format(**{"m": "шт", "p": "1", "g": "5", "t": "2", **row}) for row in rows
    )
    return write_xml(
        folder,
        f"updateItems_[{number}]_[{fullness}].xml",
        f'<updateItems fullness="{fullness}"><version>1.5</version>\n{body}\n</updateItems>',
    )


def item(db, article):
    with db.read() as s:
        found = s.get(Item, article)
        s.expunge(found)
        return found


@pytest.mark.parametrize("value", ["0", "2", "1", "3", "abc"])
def test_a_catalog_loads_whatever_measprec_says_and_the_unit_decides(examples_db, tmp_path, value):
    """0 (decimal places for piece goods), 2 (a connector's constant for every item) ..."""
    rows = [{"a": "810001", "p": value}, {"a": "810002", "m": "кг", "p": value}]
    r = load(examples_db, items_file(tmp_path, 20, rows))
    assert r.status == "loaded", r.error
    piece, cheese = item(examples_db, "810001"), item(examples_db, "810002")
    assert (piece.measprec, piece.weighted, piece.step) == (value, False, 1000)
    assert (cheese.measprec, cheese.weighted, cheese.step) == (value, True, 1)
    summary = [w for w in r.warnings if w.startswith("measprec values:")]
    assert summary == [
        f"measprec values: {value!r} (2); weighed = unit in (kg, кг); measprec kept as "
        "received, not used ([server] weighed_units, import_measprec): 1 of 2 item(s) weighed"
    ]


@pytest.mark.parametrize(
    ("rule", "value", "weighed", "step", "unread"),
    [
        ("step", "0.001", True, 1, False),
        ("step", "0.5", True, 500, False),
        ("step", "1", False, 1000, False),
        ("step", "0", False, 1000, True),
        ("decimals", "0", False, 1000, False),
        ("decimals", "2", True, 10, False),
        ("decimals", "abc", False, 1000, True),
        ("ignore", "0.001", False, 1000, False),
    ],
)
def test_the_configured_rule_reads_measprec(
    examples_db, tmp_path, rule, value, weighed, step, unread
):
    weighing = WeighRule.of(["кг"], rule)
    r = load(
        examples_db, items_file(tmp_path, 20, [{"a": "810003", "p": value}]), weighing=weighing
    )
    assert r.status == "loaded", r.error
    got = item(examples_db, "810003")
    assert (got.weighted, got.step, got.measprec) == (weighed, step, value)
    notes = [w for w in r.warnings if w.startswith("item/measprec:")]
    assert bool(notes) == unread
    if unread:
        assert f"not readable as the rule '{rule}' wants; the unit decides" in notes[0]


def test_units_compare_without_case_and_final_dot(examples_db, tmp_path):
    rows = [{"a": "810004", "m": "Кг."}, {"a": "810005", "m": "KG"}, {"a": "810006", "m": "г"}]
    weighing = WeighRule.of(["кг", "kg"])
    assert load(examples_db, items_file(tmp_path, 20, rows), weighing=weighing).status == "loaded"
    assert [item(examples_db, a).weighted for a in ("810004", "810005", "810006")] == [
        True,
        True,
        False,
    ]


def scan(db, inbox):
    f = ImportFolder(db, inbox, settle=0.0, options=LoadOptions(kind="folder"), language="en")
    f.scan()
    return f.scan()


def test_references_and_undocumented_values_load_with_a_report(examples_db, inbox, caplog):
    rows = [
        {"a": "810010", "g": "777"},
        {"a": "810011", "g": "777"},
        {"a": "810012", "t": "9"},
    ]
    path = items_file(inbox, 20, rows)
    text_ = path.read_text(encoding="utf-8").replace(
        "</item>\n</updateItems>", "<noDiscount>1</noDiscount></item>\n</updateItems>"
    )
    path.write_text(text_, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="ukm_actors.nodes.server.catalog"):
        (result,) = scan(examples_db, inbox)
    assert result.status == "loaded"
    assert item(examples_db, "810010").group_id == "777"
    assert item(examples_db, "810012").taxgroup_id == "9"
    w = "\n".join(result.warnings)
    assert "elements not read (unknown here): item/noDiscount (1)" in w
    assert (
        "item/groupId: group not in the item hierarchy; the item is loaded and keeps the code "
        "(2 record(s), first at line 2, e.g. '777')"
    ) in w
    assert "item/taxgroupId: tax group not in the tax directory" in w
    assert "no VAT is exported for it" in w
    with examples_db.read() as s:
        stored = s.execute(
            select(text("warnings")).select_from(text("catalog_load")).where(text("file = :f")),
            {"f": path.name},
        ).scalar_one()
    assert stored.split("\n") == list(result.warnings)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "group not in the item hierarchy" in logged


def test_store_files_with_unknown_references_load_with_a_report(examples_db, inbox):
    write_xml(
        inbox,
        "storePrices_[17]_[13]_[I].xml",
        '<storePrices fullness="I" storeId="17"><version>1.0</version>\n'
        "<price><article>100245</article><value>10.00</value></price>\n"
        "<price><article>123456</article><value>5.00</value></price>\n"
        "<price><article>100311</article><value>-5.00</value></price>\n</storePrices>",
    )
    write_xml(
        inbox,
        "storeCashiers_[17]_[50000]_[F].xml",
        '<storeCashiers fullness="F" storeId="17"><version>1.0</version>\n'
        "<cashier><roleId>77</roleId><id>104</id><name>Петрова</name><password>1</password>"
        "</cashier>\n</storeCashiers>",
    )
    write_xml(
        inbox,
        "storeRestrictions_[17]_[9]_[F].xml",
        '<storeRestrictions fullness="F" storeId="17"><version>1.0</version>\n'
        "<ageRestriction><groupId>404</groupId><minAge>18</minAge></ageRestriction>\n"
        "</storeRestrictions>",
    )
    results = {r.file: r for r in scan(examples_db, inbox)}
    assert {r.status for r in results.values()} == {"loaded"}
    prices = "\n".join(results["storePrices_[17]_[13]_[I].xml"].warnings)
    assert "price/article: article not in the catalog; this price is not loaded" in prices
    assert "price/value: not an amount of money" in prices
    with examples_db.read() as s:
        assert s.get(Price, ("17", "100245")).price == 1000
        assert s.get(Price, ("17", "100311")).price != -500
        assert s.get(Cashier, ("17", 104)).role_id == 77
        assert s.execute(select(Restriction).where(Restriction.group_id == "404")).first()
    cashiers = "\n".join(results["storeCashiers_[17]_[50000]_[F].xml"].warnings)
    assert "role not defined on this cash server" in cashiers and "no rights" in cashiers


def test_a_hierarchy_with_a_missing_parent_or_a_cycle_loads_flattened(examples_db, inbox):
    write_xml(
        inbox,
        "classif_[20]_[F].xml",
        '<classif fullness="F"><version>1.0</version>\n'
        "<group><id>1</id><name>A</name></group>\n"
        "<group><id>2</id><parentId>3</parentId><name>B</name></group>\n"
        "<group><id>5</id><parentId>6</parentId><name>C</name></group>\n"
        "<group><id>6</id><parentId>5</parentId><name>D</name></group>\n</classif>",
    )
    write_xml(
        inbox,
        "taxes_[20]_[F].xml",
        '<taxes fullness="F"><version>1.0</version>\n'
        "<tax><id>1</id><name>НДС 20%</name><rate>20.00</rate></tax>\n"
        "<taxGroup><id>2</id><name>НДС 20%</name><taxId>1</taxId></taxGroup>\n"
        "<taxGroup><id>3</id><name>?</name><taxId>8</taxId></taxGroup>\n</taxes>",
    )
    results = {r.file: r for r in scan(examples_db, inbox)}
    assert {r.status for r in results.values()} == {"loaded"}
    with examples_db.read() as s:
        parents = {g.id: g.parent_id for g in s.execute(select(Group)).scalars()}
        assert s.get(TaxGroup, "3").tax_id == "8"
    assert parents["2"] is None and {parents["5"], parents["6"]} == {None, "5"}
    w = "\n".join(results["classif_[20]_[F].xml"].warnings)
    assert "parent not in this file" in w and "the groups form a cycle" in w
    assert "tax not in this file" in "\n".join(results["taxes_[20]_[F].xml"].warnings)


def test_a_refused_file_reports_what_was_assumed_before_the_error(examples_db, inbox):
    write_xml(
        inbox,
        "updateItems_[20]_[I].xml",
        '<updateItems fullness="I"><version>1.5</version>\n'
        "<item><article>1</article><name>X</name><SubExcise>yes</SubExcise></item>\n"
        "<item><article>1</article><name>Y</name></item>\n</updateItems>",
    )
    before = dump(examples_db)
    (result,) = scan(examples_db, inbox)
    assert result.status == "failed" and "appears twice" in result.error
    report = (inbox / "failed" / "updateItems_[20]_[I].xml.error.txt").read_text("utf-8")
    assert "Read before the error (warnings and assumptions):" in report
    assert "- item/SubExcise: not 0 or 1; taken as 0" in report
    assert dump(examples_db) == before
