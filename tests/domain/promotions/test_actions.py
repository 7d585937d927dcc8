"""Every action type, on small receipts whose answers are worked out by hand."""

from ukm_actors.domain.promotions import CardInfo, PriceContext
from ukm_actors.domain.receipt import apply_discounts

from .helpers import MONDAY_NOON, amounts, campaign, price, receipt


def test_percent_off_each_matching_line_rounds_per_line():
    r = receipt(("1001", 2000, 8990), ("2002", 1000, 5000))
    p = price([campaign("C1", {"type": "percent", "value": 1000}, articles=["1001"])], r)
    assert amounts(p) == {1: [("C1", 1798)]}
    assert p.discounts[2] == ()


def test_amount_off_a_line_is_per_unit_and_weighs_for_weighed_items():
    r = receipt(("1001", 2000, 8990), ("3003", 350, 89900))
    c = campaign("C1", {"type": "amount", "value": 500}, articles=["1001", "3003"])
    assert amounts(price([c], r)) == {1: [("C1", 1000)], 2: [("C1", 175)]}


def test_percent_off_a_group_is_computed_once_and_spread():
    r = receipt(("A", 1000, 10000), ("B", 1000, 5001))
    c = campaign("G", {"type": "percent", "value": 1000, "scope": "group"}, articles=["A", "B"])
    assert amounts(price([c], r)) == {1: [("G", 1000)], 2: [("G", 500)]}


def test_group_conditions_use_the_item_hierarchy():
    r = receipt(("A", 1000, 10000), ("B", 1000, 5000))
    c = campaign("G", {"type": "percent", "value": 1000}, groups=["dairy"])
    p = price([c], r, item_groups={"A": frozenset({"dairy", "food"})})
    assert amounts(p) == {1: [("G", 1000)]}


def test_amount_off_the_receipt_is_spread_over_every_line():
    r = receipt(("A", 1000, 30000), ("B", 1000, 10000))
    c = campaign("R", {"type": "amount", "value": 10000, "scope": "receipt"}, min_receipt=40000)
    assert amounts(price([c], r)) == {1: [("R", 7500)], 2: [("R", 2500)]}


def test_receipt_condition_not_met_gives_nothing():
    r = receipt(("A", 1000, 30000))
    c = campaign("R", {"type": "amount", "value": 10000, "scope": "receipt"}, min_receipt=40000)
    assert amounts(price([c], r)) == {}


def test_fixed_price_never_makes_a_line_dearer():
    r = receipt(("A", 2000, 8990), ("B", 1000, 3000))
    c = campaign("F", {"type": "fixed_price", "price": 5000}, articles=["A", "B"])
    assert amounts(price([c], r)) == {1: [("F", 7980)]}


def test_three_for_two_frees_the_cheapest_of_each_group_of_three():
    r = receipt(("A", 2000, 10000), ("B", 1000, 5000))
    c = campaign("N", {"type": "n_for_m", "n": 3, "m": 2}, articles=["A", "B"])
    assert amounts(price([c], r)) == {2: [("N", 5000)]}
    r = receipt(("A", 3000, 10000), ("B", 1000, 5000))
    assert amounts(price([c], r)) == {1: [("N", 10000)]}


def test_n_for_m_leaves_an_incomplete_group_and_weighed_items_alone():
    r = receipt(("A", 2000, 10000), ("W", 1500, 5000))
    c = campaign("N", {"type": "n_for_m", "n": 3, "m": 2}, articles=["A", "W"])
    assert amounts(price([c], r)) == {}


def test_cheapest_of_a_complete_set_is_free():
    r = receipt(("A", 1000, 10000), ("B", 2000, 5000), ("C", 1000, 3000))
    c = campaign("S", {"type": "cheapest_free", "articles": ["A", "B", "C"]})
    assert amounts(price([c], r)) == {3: [("S", 3000)]}
    incomplete = receipt(("A", 1000, 10000), ("B", 2000, 5000))
    assert amounts(price([c], incomplete)) == {}


def test_gift_is_free_when_scanned_and_reported_missing_when_not():
    c = campaign(
        "G",
        {"type": "gift", "article": "GIFT", "quantity": 1000},
        articles=["A"],
        min_quantity=2000,
    )
    with_gift = receipt(("A", 2000, 10000), ("GIFT", 2000, 2000))
    p = price([c], with_gift)
    assert amounts(p) == {2: [("G", 2000)]}
    without = price([c], receipt(("A", 2000, 10000)))
    assert amounts(without) == {}
    assert [(m.campaign_id, m.article, m.quantity) for m in without.missing_gifts] == [
        ("G", "GIFT", 1000)
    ]


def test_bonus_points_need_a_card_and_are_earned_on_what_is_paid():
    r = receipt(("A", 1000, 10000), ("B", 1000, 5000))
    bonus = campaign("B5", {"type": "bonus", "value": 500})
    off = campaign("P", {"type": "percent", "value": 1000}, articles=["A"])
    anon = price([bonus, off], r)
    assert anon.earned == ()
    ctx = PriceContext(store="17", at=MONDAY_NOON, card=CardInfo("777", 0))
    carded = price([bonus, off], r, ctx)
    assert [(e.campaign_id, e.points) for e in carded.earned] == [("B5", 700)]  # 5% of 140.00
    assert amounts(carded) == {1: [("P", 1000)]}


def test_earn_takes_bonus_payments_off_the_basis():
    from ukm_actors.domain.promotions import CampaignSet, Engine

    r = receipt(("A", 1000, 10000))
    engine = Engine(CampaignSet((campaign("B5", {"type": "bonus", "value": 1000}),)))
    ctx = PriceContext(store="17", at=MONDAY_NOON, card=CardInfo("777"))
    assert engine.earn(r, ctx, bonus_paid=4000)[0].points == 600


def test_the_answer_applies_to_the_receipt_and_is_explained():
    r = receipt(("1001", 2000, 8990))
    p = price([campaign("C1", {"type": "percent", "value": 1000}, articles=["1001"])], r)
    priced = apply_discounts(r, p.discounts)
    assert priced.total == 17980 - 1798
    assert p.explain(priced) == ["line 1 (Item 1001): -17.98 Campaign C1 [C1]"]
    assert [(a.campaign_id, a.discount, a.positions) for a in p.applied] == [("C1", 1798, (1,))]


def test_voided_lines_and_certificate_lines_get_nothing():
    from ukm_actors.domain.receipt import void_line

    r = void_line(receipt(("A", 1000, 10000), ("A", 1000, 10000), ("CERT", 1000, 100000)), 1)
    c = campaign("P", {"type": "percent", "value": 1000})
    p = price([c], r, certificate_articles=frozenset({"CERT"}))
    assert amounts(p) == {2: [("P", 1000)]}
    assert p.discounts[1] == () and p.discounts[3] == ()


def test_return_receipts_are_not_priced():
    from dataclasses import replace

    r = replace(receipt(("A", 1000, 10000)), kind="return")
    assert price([campaign("P", {"type": "percent", "value": 1000})], r).discounts == {}
