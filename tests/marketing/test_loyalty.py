"""Loyalty: card levels grow with purchases; bonus points earned, spendable after a delay,
expiring, spent within a limit; receipts closed offline are applied exactly once."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.marketing.helpers import (
    apply_doc,
    ask,
    connect,
    deliver,
    feed_stores,
    start_till,
    unreachable,
)
from ukm_actors.codecs.tilldocs import LineDiscountDoc, PaymentDoc, ReceiptDoc, ReceiptLineDoc
from ukm_actors.domain.promotions import accrual as accruals
from ukm_actors.nodes.marketing.core import loyalty
from ukm_actors.nodes.marketing.core.accruals import apply_accrual
from ukm_actors.nodes.marketing.core.campaigns import save_campaign, utcnow
from ukm_actors.nodes.marketing.core.errors import CardRefused
from ukm_actors.nodes.marketing.core.tables import MkAccrual, MkBonusLot, MkCard

T0 = datetime(2026, 12, 1, 9, 0)


def _card(ctx, number="7770001", state="active"):
    with ctx.require_db().write() as s:
        loyalty.create_card(s, {"number": number, "holder": "Ivanova", "state": state}, utcnow())


def _accrual(
    receipt_id,
    total,
    *,
    card="7770001",
    earned=(),
    kind="sale",
    at=T0,
    original=None,
    payments=None,
):
    return accruals.Accrual(
        receipt_id=receipt_id,
        store="17",
        till="till-17-1",
        kind=kind,
        closed_at=at.isoformat(timespec="seconds"),
        closed_at_utc=at.isoformat(timespec="seconds") + "Z",
        total=total,
        card=card,
        payments=tuple(payments or (accruals.AccrualPayment("cash", total),)),
        earned=tuple(earned),
        original_receipt_id=original,
    )


def _apply(ctx, a, now=None):
    with ctx.require_db().write() as s:
        return apply_accrual(s, a, ctx.config.marketing, now or utcnow())


def test_the_card_level_grows_with_accumulated_purchases(light):
    _card(light)
    levels = []
    for i, total in enumerate((300_000, 250_000, 1_500_000)):
        _apply(light, _accrual(f"R{i}", total))
        levels.append(ask(light, "card.info", {"card": "7770001"})["level"])
    assert levels == [0, 1, 2]  # thresholds 5000.00 and 20000.00
    _apply(light, _accrual("RET1", 100_000, kind="return", original="R2"))
    info = ask(light, "card.info", {"card": "7770001"})
    assert (info["accumulated"], info["level"]) == (1_950_000, 1)


def test_points_are_spendable_after_the_delay_and_expire(light):
    _card(light)
    _apply(light, _accrual("R1", 100_000, earned=[("B5", 5000)], at=T0))
    settings = light.config.marketing  # 14 days of delay, 365 of life
    with light.require_db().read() as s:
        at = {
            name: loyalty.balance(s, "7770001", T0 + timedelta(days=days))
            for name, days in (("day 1", 1), ("day 14", 14), ("day 378", 378), ("day 379", 379))
        }
    assert settings.bonus_delay_days == 14
    assert (at["day 1"].spendable, at["day 1"].pending) == (0, 5000)
    assert at["day 14"].spendable == 5000
    assert at["day 378"].spendable == 5000
    assert at["day 379"].spendable == 0  # expired after 14 + 365 days


def test_spending_points_respects_the_balance_the_limit_and_can_be_undone(light):
    _card(light)
    _apply(light, _accrual("R1", 100_000, earned=[("B5", 8000)], at=utcnow() - timedelta(days=20)))
    spend = {"card": "7770001", "receipt_id": "R2", "receipt_total": 10_000}
    with pytest.raises(CardRefused) as limit:
        ask(light, "bonus.spend", {**spend, "amount": 6000})
    assert limit.value.code == "bonus.limit" and "at most 5000 points" in limit.value.message
    done = ask(light, "bonus.spend", {**spend, "amount": 5000})
    assert done == {"amount": 5000, "balance": {"spendable": 3000, "pending": 0}}
    with pytest.raises(CardRefused) as short:
        ask(
            light,
            "bonus.spend",
            {**spend, "receipt_id": "R3", "amount": 3001, "receipt_total": 100_000},
        )
    assert short.value.code == "bonus.insufficient" and "has 3000 points" in short.value.message
    back = ask(light, "bonus.void", {"card": "7770001", "receipt_id": "R2", "amount": 5000})
    assert back["spendable"] == 8000


def test_points_taken_for_a_receipt_paid_otherwise_are_given_back_once(light):
    _card(light)
    _apply(light, _accrual("R1", 100_000, earned=[("B5", 8000)], at=utcnow() - timedelta(days=20)))
    for receipt_id in ("R2", "R3"):
        spend = {"card": "7770001", "receipt_id": receipt_id, "receipt_total": 10_000}
        ask(light, "bonus.spend", {**spend, "amount": 2000})
    # R2 paid with the points; R3's till lost the answer and the customer paid cash
    bonus = accruals.AccrualPayment("bonus", 2000, "7770001")
    _apply(light, _accrual("R2", 10_000, payments=[bonus, accruals.AccrualPayment("cash", 8000)]))
    _apply(light, _accrual("R3", 10_000))
    with light.require_db().read() as s:
        problems = {a.receipt_id: a.problems for a in s.execute(select(MkAccrual)).scalars()}
        spendable = loyalty.balance(s, "7770001", utcnow()).spendable
    assert problems["R2"] == ""
    assert problems["R3"] == (
        "card 7770001: 2000 points taken for this receipt but not among its payments were "
        "given back"
    )
    assert spendable == 6000  # 8000 − R2's 2000; R3's 2000 came back


def test_unknown_and_blocked_cards(light):
    _card(light, "7770002", state="blocked")
    with pytest.raises(CardRefused) as unknown:
        ask(light, "card.info", {"card": "1234"})
    assert unknown.value.code == "card.unknown"
    with pytest.raises(CardRefused) as blocked:
        ask(
            light,
            "bonus.spend",
            {"card": "7770002", "amount": 1, "receipt_id": "R", "receipt_total": 100},
        )
    assert blocked.value.code == "card.blocked"
    _apply(light, _accrual("R1", 1000, card="1234"))
    with light.require_db().read() as s:
        assert "card 1234 is unknown" in s.get(MkAccrual, "R1").problems


def test_a_return_takes_back_its_share_of_the_points(light):
    _card(light)
    _apply(light, _accrual("R1", 100_000, earned=[("B5", 5000)]))
    _apply(light, _accrual("RET", 40_000, kind="return", original="R1"))
    with light.require_db().read() as s:
        assert s.execute(select(func.sum(MkBonusLot.remaining))).scalar_one() == 3000


def _receipt_doc(receipt_id, *, card="7770001", payments=None):
    return ReceiptDoc(
        receipt_id=receipt_id,
        store="17",
        till=1,
        shift_num=1,
        number=1,
        kind="sale",
        state="completed",
        opened_at="2026-12-07T11:58:00",
        closed_at="2026-12-07T12:00:00",
        closed_at_utc="2026-12-07T09:00:00Z",
        cashier_code="1",
        cashier_name="Petrova",
        total=9000,
        lines=(
            ReceiptLineDoc(
                position=1,
                article="A",
                name="Milk",
                measure="шт",
                quantity=1000,
                price=10000,
                amount=10000,
                discount=1000,
                total=9000,
                discounts=(LineDiscountDoc("P10", "Milk -10%", 1000),),
            ),
        ),
        payments=tuple(payments or (PaymentDoc("cash", 9000),)),
        card=card,
    )


def test_a_receipt_closed_offline_is_applied_once_when_the_till_is_back(
    tmp_path, make_db_url, light
):
    feed_stores(light, {"17": 1})
    _card(light)
    with light.require_db().write() as s:
        for data in (
            {
                "id": "P10",
                "name": "Milk -10%",
                "conditions": {"articles": ["A"]},
                "action": {"type": "percent", "value": 1000},
            },
            {"id": "B5", "name": "5% in points", "action": {"type": "bonus", "value": 500}},
        ):
            save_campaign(s, data, create=True)
        from ukm_actors.nodes.marketing.core.campaigns import publish

        publish(s)
    till = start_till(tmp_path, make_db_url("till"))
    try:
        deliver(light, till, "marketing>till-17-1")
        connect(till, unreachable)
        svc = till.ctx.services.promotions
        for rid in ("R1", "R2"):
            with till.ctx.require_db().write() as s:
                svc.on_receipt_closed(s, _receipt_doc(rid))
        with till.ctx.require_db().write() as s:  # no card, no discount: nothing to send
            svc.on_receipt_closed(s, replace(_receipt_doc("R3", card=None), lines=(), total=0))
        first = deliver(till, light, "till-17-1>marketing")
        again = deliver(till, light, "till-17-1>marketing")
        assert [d.duplicate for d in first] == [False, False]
        assert again == [] or all(d.duplicate for d in again)
        with till.ctx.require_db().read() as s:
            from ukm_actors.bridge import outbox

            body = outbox.load_document(s, "till-17-1>marketing", 1).body
        apply_doc(light, "till-17-1>marketing-replayed", "loyalty.accrual", body)
        with light.require_db().read() as s:
            accumulated = s.get(MkCard, "7770001").accumulated
            lots = [(lot.receipt_id, lot.points) for lot in s.execute(select(MkBonusLot)).scalars()]
        assert accumulated == 18_000
        assert sorted(lots) == [("R1", 450), ("R2", 450)]  # 5% of 90.00, once each
    finally:
        till.stop()


def test_offline_accrual_redeems_its_coupon_and_reports_a_double_use(light):
    from ukm_actors.nodes.marketing.core import coupons

    with light.require_db().write() as s:
        coupons.create_campaign(
            s, {"id": "SPRING", "name": "s", "prefix": "77", "length": 8}, utcnow()
        )
        (code,) = coupons.issue_batch(s, "SPRING", 1, utcnow())[1]
    a1 = _accrual("R1", 1000, card=None)
    a2 = _accrual("R2", 1000, card=None)
    _apply(light, accruals.Accrual(**{**a1.__dict__, "coupons": (code,)}))
    _apply(light, accruals.Accrual(**{**a2.__dict__, "coupons": (code,)}))
    with light.require_db().read() as s:
        assert s.get(MkAccrual, "R1").problems == ""
        assert "already used" in s.get(MkAccrual, "R2").problems
