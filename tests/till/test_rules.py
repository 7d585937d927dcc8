"""Sale rules: age and time restrictions, additional prices, weight barcodes, the scales."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.till.helpers import (
    APPLES,
    BEER,
    BEER6,
    COFFEE,
    MILK,
    VODKA,
    TillClient,
    base_records,
    ean13,
    put,
    weight_barcode,
)
from ukm_actors.hw.emulators import ScalesEmulator


def _window_around_now(hours: int = 2) -> tuple[str, str]:
    now = datetime.now(ZoneInfo("Europe/Moscow"))
    return (now - timedelta(hours=hours)).strftime("%H:%M"), (
        now + timedelta(hours=hours)
    ).strftime("%H:%M")


def _window_away_from_now() -> tuple[str, str]:
    now = datetime.now(ZoneInfo("Europe/Moscow"))
    return (now + timedelta(hours=3)).strftime("%H:%M"), (now + timedelta(hours=5)).strftime(
        "%H:%M"
    )


def test_age_restriction_needs_the_cashiers_confirmation(till):
    till.post("/shift/open")
    status, err = till.fail("POST", "/receipt/lines", {"barcode": BEER6})
    assert (status, err["code"]) == (409, "sale.age_confirm")
    assert err["message"] == "Алкоголь продаётся только покупателям с 18 лет"
    assert err["question"] == {"kind": "age", "article": "200", "min_age": 18}
    assert till.receipt() is None
    line = till.scan(BEER6, age_confirmed=True)["line"]
    assert line["quantity"] == 6000 and line["age_confirmed"] is True
    assert line["amount"] == 6 * 12000
    # A date of birth is checked rather than confirmed.
    err = till.fail("POST", "/receipt/lines", {"barcode": BEER, "birth_date": "2015-01-01"})[1]
    assert err["code"] == "sale.restricted"
    assert "from 18" in err["hint"]
    till.scan(BEER, birth_date="1990-05-05")
    # The question also waits on the receipt, to be answered by /receipt/answer.
    till.fail("POST", "/receipt/lines", {"barcode": BEER})
    assert till.get("/receipt")["question"]["kind"] == "age"
    out = till.post("/receipt/answer", {"age_confirmed": True})
    assert out["line"]["position"] == 3


def test_time_restriction_refuses_the_line_with_the_rules_message(start_till):
    _, till = start_till(records=base_records(vodka_rule=_window_around_now()))
    till.login()
    till.post("/shift/open")
    status, err = till.fail("POST", "/receipt/lines", {"barcode": VODKA, "age_confirmed": True})
    assert (status, err["code"]) == (400, "sale.restricted")
    assert err["message"] == "Водка не продаётся с 23:00 до 08:00"
    assert till.receipt() is None
    till.scan(MILK)  # other items still sell


def test_time_restriction_outside_its_window_lets_the_item_sell(start_till):
    _, till = start_till(records=base_records(vodka_rule=_window_away_from_now()))
    till.login()
    till.post("/shift/open")
    assert till.scan(VODKA, age_confirmed=True)["line"]["price"] == 45000


def test_additional_prices_are_chosen_by_the_cashier(till):
    till.post("/shift/open")
    status, err = till.fail("POST", "/receipt/lines", {"barcode": COFFEE})
    assert (status, err["code"]) == (409, "sale.choose_price")
    assert err["question"]["options"] == [
        {"price_type": "base", "name": "Store price", "price": 30000},
        {"price_type": "club", "name": "Клубная цена", "price": 25000},
        {"price_type": "promo", "name": "Акция", "price": 27000},
    ]
    line = till.scan(COFFEE, price_type="club")["line"]
    assert (line["price"], line["price_type"]) == (25000, "club")
    assert line["price_name"] == "Клубная цена", "the name the cashier and the buyer read"
    stored = till.get("/receipt")["receipt"]["lines"][0]
    assert (stored["price_type"], stored["price_name"]) == ("club", "Клубная цена")
    base = till.scan(COFFEE, price_type="base")["line"]
    assert (base["price"], base["price_type"], base["price_name"]) == (30000, None, None)
    err = till.fail("POST", "/receipt/lines", {"barcode": COFFEE, "price_type": "vip"})[1]
    assert "has no price 'vip'" in err["message"]
    till.fail("POST", "/receipt/lines", {"article": "300"})
    assert till.post("/receipt/answer", {"price_type": "promo"})["line"]["price"] == 27000


def test_weight_barcodes_carry_the_weight(till):
    till.post("/shift/open")
    line = till.scan(weight_barcode("123", 350))["line"]
    assert (line["article"], line["quantity"], line["amount"]) == ("123", 350, 28000)
    err = till.fail("POST", "/receipt/lines", {"barcode": weight_barcode("123", 350)[:-1] + "0"})
    assert err[1]["code"] == "barcode.invalid" and "check digit" in err[1]["message"]
    err = till.fail("POST", "/receipt/lines", {"barcode": weight_barcode("777", 100)})[1]
    assert err["code"] == "sale.item_unknown" and "item code 00777" in err["message"]


def test_a_label_item_code_finds_the_article_whatever_its_leading_zeros(start_till):
    records = base_records() + [
        put(
            "item",
            article="000304",
            name="Сыр Российский",
            measure="кг",
            weighted=True,
            group_id="food",
            taxgroup_id="1",
        ),
        put("price", article="000304", price=60000),
    ]
    _, till = start_till(records=records)
    till.login()
    till.post("/shift/open")
    line = till.scan(weight_barcode("00304", 350))["line"]  # 5 digits on the label, 6 here
    assert (line["article"], line["quantity"], line["amount"]) == ("000304", 350, 21000)
    line = till.scan(weight_barcode("123", 500))["line"]  # "00123" on the label, "123" here
    assert line["article"] == "123"


def test_weight_barcode_layout_with_a_price_is_a_till_setting(start_till):
    _, till = start_till(weight_barcode="PPCCCCCMMMMMK", weight_prefixes="21")
    till.login()
    till.post("/shift/open")
    label = ean13("2100123" + "28000")  # 280.00 of cheese at 800.00/kg
    line = till.scan(label)["line"]
    assert (line["article"], line["quantity"], line["total"]) == ("123", 350, 28000)
    # prefix 22 is not a weight prefix at this till
    assert (
        till.fail("POST", "/receipt/lines", {"barcode": weight_barcode("123", 350)})[1]["code"]
        == "sale.item_unknown"
    )


def test_weighed_goods_from_the_scales(start_till):
    with ScalesEmulator(weight=1250) as scales:
        _, till = start_till(devices={"scales": {"url": scales.url, "check_interval": 0}})
        till.login()
        till.post("/shift/open")
        line = till.scan(APPLES)["line"]
        assert (line["quantity"], line["amount"]) == (1250, 18750)
        line = till.post("/receipt/lines", {"article": "123"})["line"]
        assert line["quantity"] == 1250
        line = till.post("/receipt/lines", {"article": "123", "quantity": 500})["line"]
        assert line["quantity"] == 500  # entered by hand: the scales are not asked
        assert scales.requests == 2
        scales.set_overload()
        err = till.fail("POST", "/receipt/lines", {"article": "123"})[1]
        assert err["code"] == "sale.needs_weight" and "over capacity" in err["message"]


def test_a_weighed_item_without_scales_needs_a_weight(till):
    till.post("/shift/open")
    err = till.fail("POST", "/receipt/lines", {"barcode": APPLES})[1]
    assert err["code"] == "sale.needs_weight"
    assert till.post("/receipt/lines", {"barcode": APPLES, "quantity": 800})["line"]["amount"] == (
        12000
    )


def test_an_items_own_age_limit_asks_in_the_cashiers_language(start_till):
    """An item's own ``age_limit`` (no age rule of the trade system) words its question through
    the catalogs, like every till message: Russian for a Russian screen."""
    energy = put(
        "item",
        article="400",
        name="Энергетик",
        measure="шт",
        group_id="food",
        taxgroup_id="1",
        age_limit=21,
        barcodes=[[ean13("460000000040"), 1000]],
    )
    price = put("price", article="400", price=15000)
    node, till = start_till(records=[*base_records(), energy, price])
    till.login()
    till.post("/shift/open")
    err = till.fail("POST", "/receipt/lines", {"article": "400"})[1]
    assert err["message"] == "Энергетик is sold only to buyers aged 21 or over"
    ru = TillClient(node.ctx.url, language="ru")
    err = ru.fail("POST", "/receipt/lines", {"article": "400"})[1]
    assert (err["code"], err["message"]) == (
        "sale.age_confirm",
        "Энергетик продаётся только покупателям с 21 лет",
    )
