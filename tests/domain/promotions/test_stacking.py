"""Priorities, stacking modes, price floors and who a campaign is for."""

from datetime import datetime

import pytest

from ukm_actors.domain.promotions import CampaignError, CardInfo, PresentedCoupon, PriceContext

from .helpers import MONDAY_NOON, amounts, campaign, price, receipt

A100 = ("A", 1000, 10000)


def pct(cid, value, **kw):
    return campaign(cid, {"type": "percent", "value": value}, **kw)


def test_stackable_campaigns_act_one_after_another_on_what_is_left():
    p = price([pct("S1", 1000, priority=5), pct("S2", 1000, priority=1)], receipt(A100))
    assert amounts(p) == {1: [("S1", 1000), ("S2", 900)]}


def test_equal_priorities_go_by_campaign_id():
    p = price([pct("B", 1000), pct("A", 1000, stacking="exclusive")], receipt(A100))
    assert amounts(p) == {1: [("A", 1000)]}


def test_exclusive_locks_its_lines_against_later_campaigns():
    c = [
        pct("EX", 1000, priority=10, stacking="exclusive", articles=["A"]),
        pct("ST", 2000, priority=1),
    ]
    r = receipt(A100, ("B", 1000, 5000))
    assert amounts(price(c, r)) == {1: [("EX", 1000)], 2: [("ST", 1000)]}


def test_exclusive_only_takes_lines_nobody_discounted():
    c = [pct("ST", 2000, priority=10, articles=["A"]), pct("EX", 1000, stacking="exclusive")]
    r = receipt(A100, ("B", 1000, 5000))
    assert amounts(price(c, r)) == {1: [("ST", 2000)], 2: [("EX", 500)]}


def test_best_for_customer_applies_only_the_largest():
    c = [
        pct("B1", 1000, stacking="best", priority=3),
        campaign("B2", {"type": "amount", "value": 1500}, stacking="best", articles=["A"]),
        pct("B3", 500, stacking="best"),
    ]
    assert amounts(price(c, receipt(A100))) == {1: [("B2", 1500)]}


def test_best_ties_go_to_the_earlier_campaign():
    c = [pct("Y", 1000, stacking="best"), pct("X", 1000, stacking="best")]
    assert amounts(price(c, receipt(A100))) == {1: [("X", 1000)]}


def test_best_winner_locks_its_lines_but_stackables_before_it_count():
    c = [
        pct("FIRST", 1000, priority=9),
        pct("BEST", 2000, stacking="best", priority=5),
        pct("AFTER", 1000, priority=1),
    ]
    assert amounts(price(c, receipt(A100))) == {1: [("FIRST", 1000), ("BEST", 1800)]}


def test_floor_is_never_crossed():
    p = price([pct("HALF", 5000)], receipt(A100), floors={"A": 8000})
    assert amounts(p) == {1: [("HALF", 2000)]}


def test_floor_above_the_price_means_no_discount():
    p = price([pct("HALF", 5000)], receipt(A100), floors={"A": 20000})
    assert amounts(p) == {}


def test_receipt_discount_a_floored_line_cannot_take_goes_to_the_others():
    c = campaign("R", {"type": "amount", "value": 5000, "scope": "receipt"})
    p = price([c], receipt(A100, ("B", 1000, 10000)), floors={"A": 8000})
    assert amounts(p) == {1: [("R", 2000)], 2: [("R", 3000)]}


def test_receipt_discount_larger_than_the_receipt_stops_at_the_floors():
    c = campaign("R", {"type": "amount", "value": 50000, "scope": "receipt"})
    p = price([c], receipt(A100, ("B", 1000, 10000)), floors={"A": 8000})
    assert amounts(p) == {1: [("R", 2000)], 2: [("R", 10000)]}


@pytest.mark.parametrize(
    ("kw", "at", "applies"),
    [
        ({"starts": "2026-12-08T00:00:00"}, MONDAY_NOON, False),
        ({"ends": "2026-12-07T12:00:00"}, MONDAY_NOON, False),
        ({"starts": "2026-12-07T12:00:00", "ends": "2026-12-08T00:00:00"}, MONDAY_NOON, True),
        ({"days": [6, 7]}, MONDAY_NOON, False),
        ({"days": [1]}, MONDAY_NOON, True),
        ({"hours": ["09:00", "12:00"]}, MONDAY_NOON, False),
        ({"hours": ["22:00", "06:00"]}, datetime(2026, 12, 7, 23, 30), True),
        ({"hours": ["22:00", "06:00"]}, datetime(2026, 12, 7, 5, 59), True),
        ({"hours": ["22:00", "06:00"]}, MONDAY_NOON, False),
        ({"stores": ["18"]}, MONDAY_NOON, False),
        ({"stores": ["17", "18"]}, MONDAY_NOON, True),
    ],
)
def test_schedule_and_stores(kw, at, applies):
    p = price([pct("T", 1000, **kw)], receipt(A100), PriceContext(store="17", at=at))
    assert bool(amounts(p)) is applies


@pytest.mark.parametrize(
    ("customer", "card", "applies"),
    [
        ({"customer": "card"}, None, False),
        ({"customer": "card"}, CardInfo("1", 0), True),
        ({"customer": "card"}, CardInfo("1", 0, "blocked"), False),
        ({"customer": "level", "min_level": 2}, CardInfo("1", 1), False),
        ({"customer": "level", "min_level": 2}, CardInfo("1", 3), True),
    ],
)
def test_customer_conditions(customer, card, applies):
    ctx = PriceContext(store="17", at=MONDAY_NOON, card=card)
    assert bool(amounts(price([pct("K", 1000, **customer)], receipt(A100), ctx))) is applies


def test_coupon_condition_and_the_coupons_used():
    c = pct("CP", 1000, coupon="SPRING")
    assert amounts(price([c], receipt(A100))) == {}
    ctx = PriceContext(
        store="17",
        at=MONDAY_NOON,
        coupons=(PresentedCoupon("SP0002", "SPRING"), PresentedCoupon("SP0001", "SPRING")),
    )
    p = price([c], receipt(A100), ctx)
    assert amounts(p) == {1: [("CP", 1000)]}
    assert p.coupons_used == ("SP0001",)


def test_min_quantity_and_min_amount_count_matching_lines_only():
    c = pct("Q", 1000, articles=["A"], min_quantity=2000)
    assert amounts(price([c], receipt(A100, ("B", 5000, 100)))) == {}
    assert amounts(price([c], receipt(A100, A100))) == {1: [("Q", 1000)], 2: [("Q", 1000)]}
    m = pct("M", 1000, articles=["A"], min_amount=15000)
    assert amounts(price([m], receipt(A100))) == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": {"type": "percent", "value": 20000}}, "at most 10000"),
        ({"action": {"type": "n_for_m", "n": 2, "m": 2}}, "need 0 < m < n"),
        ({"action": {"type": "spin"}}, "action type 'spin' is unknown"),
        ({"action": {"type": "percent", "value": 10}, "days": [0]}, "must be 1 (Monday)"),
        (
            {
                "action": {"type": "percent", "value": 10},
                "starts": "2026-12-02",
                "ends": "2026-12-01",
            },
            "ends before it starts",
        ),
        ({"action": {"type": "percent", "value": 10}, "stacking": "greedy"}, "stacking 'greedy'"),
        (
            {"action": {"type": "percent", "value": 10}, "colour": "red"},
            "unknown fields ['colour']",
        ),
        ({"action": {"type": "percent", "value": 10}, "starts": "monday"}, "is not a date-time"),
    ],
)
def test_bad_campaigns_are_refused_with_the_field_named(data, message):
    from ukm_actors.domain.promotions.codec import campaign_from_json

    with pytest.raises(CampaignError) as info:
        campaign_from_json({"id": "X1", "name": "x", **data})
    assert message in str(info.value)
