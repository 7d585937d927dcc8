"""The till's catalog: full and delta documents through the registered appliers, and lookups."""

import pytest
from sqlalchemy import func, select

from tests.till.helpers import (
    BEER6,
    MILK,
    apply_catalog,
    base_records,
    catalog_body,
    delete,
    put,
)
from ukm_actors.bridge.inbox import PermanentApplyError, last_applied
from ukm_actors.nodes.till.catalog.tables import CatBarcode, CatItem
from ukm_actors.nodes.till.pricelookup import lookup


def test_full_catalog_is_applied_and_found_by_barcode(till_node):
    node, _ = till_node
    catalog = node.ctx.services.catalog
    assert catalog.find_barcode(MILK) == ("100", 1000)
    assert catalog.find_barcode(BEER6) == ("200", 6000)
    item = catalog.item("300")
    assert item.price == 30000
    assert [a.price_type for a in item.addprices] == ["club", "promo"]
    assert catalog.store().timezone == "Europe/Moscow"
    assert catalog.setting("footer") == ["Спасибо за покупку!"]
    assert catalog.tax_rates() == {"1": 2000}
    with node.ctx.db.read() as s:
        assert last_applied(s, f"server>{node.ctx.node_id}") == 1


def test_rules_apply_by_group_and_its_children(till_node):
    node, _ = till_node
    catalog = node.ctx.services.catalog
    beer = catalog.item("200")
    assert catalog.age_rule(beer).min_age == 18
    assert catalog.age_rule(catalog.item("100")) is None
    assert [r.id for r in catalog.time_rules(catalog.item("201"))] == ["night"]
    assert catalog.time_rules(beer) == []


def test_delta_puts_and_deletes_single_records(till_node):
    node, _ = till_node
    catalog = node.ctx.services.catalog
    version = catalog.version
    body = catalog_body(
        [
            put("price", article="100", price=9990),
            put("item", article="400", name="Сок", measure="шт", barcodes=[["4601", 1000]]),
            put("price", article="400", price=15000),
            delete("barcode", barcode=BEER6),
            delete("item", article="101"),
            put("settings", key="footer", value="Приходите ещё"),
        ],
        full=False,
    )
    apply_catalog(node, body, seq=2, full=False)
    assert catalog.version > version
    assert catalog.item("100").price == 9990
    assert catalog.find_barcode("4601") == ("400", 1000)
    assert catalog.find_barcode(BEER6) is None
    assert catalog.item("101") is None
    assert catalog.setting("footer") == "Приходите ещё"


def test_a_new_full_catalog_replaces_everything(till_node):
    node, _ = till_node
    records = [r for r in base_records() if r.data.get("article") != "300"]
    apply_catalog(node, catalog_body(records), seq=2)
    catalog = node.ctx.services.catalog
    assert catalog.item("300") is None
    with node.ctx.db.read() as s:
        assert s.scalar(select(func.count()).select_from(CatItem)) == 6


def test_a_barcode_met_twice_belongs_to_the_later_item(till_node):
    node, _ = till_node
    records = [
        *base_records(),
        put("item", article="999", name="Молоко (новое)", barcodes=[[MILK, 1000]]),
    ]
    apply_catalog(node, catalog_body(records), seq=2)
    assert node.ctx.services.catalog.find_barcode(MILK) == ("999", 1000)
    with node.ctx.db.read() as s:
        assert s.scalar(select(func.count()).where(CatBarcode.barcode == MILK)) == 1


def test_another_stores_catalog_is_refused_and_nothing_changes(till_node):
    node, _ = till_node
    body = catalog_body([put("price", article="100", price=1)], full=False, store="99")
    with pytest.raises(PermanentApplyError, match="store '99'.*store '17'"):
        apply_catalog(node, body, seq=2, full=False)
    assert node.ctx.services.catalog.item("100").price == 8990


def test_a_bad_record_names_its_line_and_field_and_nothing_is_applied(till_node):
    node, _ = till_node
    body = catalog_body(
        [put("price", article="100", price=1), put("price", article="101", price="45.00")],
        full=False,
    )
    with pytest.raises(PermanentApplyError, match="line 3: price field 'price' must be int"):
        apply_catalog(node, body, seq=2, full=False)
    assert node.ctx.services.catalog.item("100").price == 8990


def test_a_bad_time_rule_is_refused(till_node):
    node, _ = till_node
    body = catalog_body(
        [put("timerule", id="x", start="25:00", end="08:00", message="no")], full=False
    )
    with pytest.raises(PermanentApplyError, match="not a time of day"):
        apply_catalog(node, body, seq=2, full=False)


def test_prices_lookup_answers_from_the_catalog(till_node):
    node, _ = till_node
    handler = node.ctx.asks.get("prices.lookup")
    assert handler({"barcode": MILK}, "pricechecker-17") == {
        "found": True,
        "barcode": MILK,
        "article": "100",
        "name": "Молоко 1 л",
        "price": 8990,
        "measure": "шт",
    }
    assert handler({"barcode": "000"}, "pricechecker-17") == {"found": False, "barcode": "000"}
    from tests.till.helpers import weight_barcode

    assert lookup(node.ctx, weight_barcode("123", 350))["article"] == "123"


def test_catalog_status_section(till_node):
    node, _ = till_node
    from tests.nodes.helpers import get_json

    _, st = get_json(node.ctx.url + "/status")
    assert st["catalog"]["revision"] == 1 and st["catalog"]["items"] == 7
    assert st["catalog"]["full_seq"] == 1
