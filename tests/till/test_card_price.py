"""A loyalty-card price is offered only when a loyalty card is on the receipt (#16.13)."""

from tests.till.helpers import BREAD, COFFEE, MILK, base_records, put

CARD_PRICE = put("addprice", article="100", price_type="2", name="Цена по карте", price=8490)


def test_no_card_no_card_price(start_till):
    _, till = start_till(records=[*base_records(), CARD_PRICE])
    till.login()
    till.post("/shift/open")
    line = till.scan(MILK)["line"]
    assert (line["price"], line["price_type"]) == (8990, None)


def test_the_card_price_comes_and_goes_with_the_card(start_till):
    _, till = start_till(records=[*base_records(), CARD_PRICE])
    till.login()
    till.post("/shift/open")
    till.scan(MILK)
    till.scan(BREAD)
    err = till.fail("POST", "/receipt/lines", {"barcode": MILK, "price_type": "2"})[1]
    assert err["code"] == "sale.card_required" and "Цена по карте" in err["message"]
    receipt = till.post("/receipt/card", {"card": "7770001"})["receipt"]
    assert [(ln["price"], ln["price_type"]) for ln in receipt["lines"]] == [
        (8490, "2"),
        (4500, None),
    ]
    line = till.scan(MILK)["line"]  # the only additional price, and a card: no question
    assert (line["price"], line["price_type"]) == (8490, "2")
    receipt = till.post("/receipt/card", {"card": None})["receipt"]
    assert [ln["price"] for ln in receipt["lines"]] == [8990, 4500, 8990]


def test_other_additional_prices_are_still_offered(start_till):
    """Coffee's club and promo prices are not card prices: the cashier still chooses."""
    _, till = start_till(
        records=[
            *base_records(),
            put("addprice", article="300", price_type="9", name="По карте лояльности", price=24000),
        ]
    )
    till.login()
    till.post("/shift/open")
    options = till.fail("POST", "/receipt/lines", {"barcode": COFFEE})[1]["question"]["options"]
    assert [o["price_type"] for o in options] == ["base", "club", "promo"]
    till.post("/receipt/card", {"card": "7770001"})
    options = till.fail("POST", "/receipt/lines", {"barcode": COFFEE})[1]["question"]["options"]
    assert [o["price_type"] for o in options] == ["base", "club", "promo", "9"]


def test_card_price_types_name_card_prices_whatever_their_name(start_till):
    club_only = [r for r in base_records() if r.data.get("price_type") != "promo"]
    _, till = start_till(records=club_only, card_price_types=["club"])
    till.login()
    till.post("/shift/open")
    assert till.scan(COFFEE)["line"]["price"] == 30000
