"""The till's side: online pricing with a fallback to its own copy, the copy kept across a
restart, cards learned online used offline, certificates sold through the accrual."""

import json

import pytest

from tests.marketing.helpers import (
    apply_doc,
    ask,
    connect,
    deliver,
    feed_stores,
    loopback,
    start_till,
    too_slow,
    unreachable,
)
from ukm_actors.bridge.inbox import PermanentApplyError
from ukm_actors.codecs.tilldocs import ReceiptDoc, ReceiptLineDoc
from ukm_actors.domain.promotions.codes import make_code
from ukm_actors.domain.receipt import Receipt, add_line
from ukm_actors.nodes.marketing.core import certificates, coupons, loyalty
from ukm_actors.nodes.marketing.core.campaigns import publish, save_campaign, utcnow

CAMPAIGNS = [
    {"id": "MILK10", "name": "Milk -10%", "conditions": {"articles": ["1001"]},
     "action": {"type": "percent", "value": 1000}},
    {"id": "GOLD", "name": "Gold -5%", "customer": "level", "min_level": 1,
     "action": {"type": "percent", "value": 500, "scope": "receipt"}},
    {"id": "CPN", "name": "Coupon -50.00", "conditions": {"coupon": "SPRING"},
     "action": {"type": "amount", "value": 5000, "scope": "receipt"}},
]  # fmt: skip
CONTEXT = {"store": "17", "till": 1, "at": "2026-12-07T12:00:00", "card": None, "coupons": []}


def _receipt():
    r = add_line(Receipt(), article="1001", name="Milk", quantity=2000, price=10000, measure="шт")
    return add_line(r, article="2002", name="Bread", quantity=1000, price=5000, measure="шт")


@pytest.fixture
def pair(tmp_path, make_db_url, light):
    feed_stores(light, {"17": 1})
    with light.require_db().write() as s:
        coupons.create_campaign(s, {"id": "SPRING", "name": "s", "prefix": "77", "length": 8},
                                utcnow())  # fmt: skip
        for data in CAMPAIGNS:
            save_campaign(s, data, create=True)
        certificates.create_series(
            s, {"id": "GC", "name": "Gift", "face_value": 50_000, "article": "CERT500",
                "prefix": "9", "length": 10}, utcnow())  # fmt: skip
        loyalty.create_card(s, {"number": "7770001"}, utcnow())
        s.get(loyalty.MkCard, "7770001").level = 2
        publish(s)
    from ukm_actors.nodes.marketing.core.engine import NAME, PromotionEngine

    engine = PromotionEngine.start(light.require_db(), 3600.0, lambda channels: None)
    light.names.set(NAME, engine)
    till = start_till(tmp_path, make_db_url("till"))
    try:
        deliver(light, till, "marketing>till-17-1")
        connect(till, loopback(light, "till-17-1"))
        yield light, till
    finally:
        till.stop()
        engine.stop()


def amounts(discounts):
    return {p: [(d.campaign_id, d.amount) for d in ds] for p, ds in discounts.items() if ds}


def test_online_answer_and_fallback_to_the_local_copy(pair):
    light, till = pair
    svc = till.ctx.services.promotions
    online = svc.price(_receipt(), CONTEXT)
    assert svc.online is True and amounts(online) == {1: [("MILK10", 2000)]}
    for down in (unreachable, too_slow):
        connect(till, down)
        svc._offline_until = 0.0
        assert svc.price(_receipt(), CONTEXT) == online
        assert svc.online is False
    status = till.status()["promotions"]
    assert status["online"] is False and "did not answer" in status["last_error"]
    assert status["campaigns"] == 3

    asked = []
    online_ask = loopback(light, "till-17-1")
    connect(till, lambda *a: asked.append(a[0]) or online_ask(*a))
    assert svc.price(_receipt(), CONTEXT) == online and asked == []  # still in its offline spell
    svc._offline_until = 0.0  # the spell is over
    assert svc.price(_receipt(), CONTEXT) == online and asked == ["promo.price"]
    assert svc.online is True


def test_a_card_seen_online_keeps_its_level_offline(pair):
    _light, till = pair
    svc = till.ctx.services.promotions
    carded = {**CONTEXT, "card": "7770001"}
    offline_unknown = svc.price_offline(_receipt(), carded)
    assert "GOLD" not in {d.campaign_id for ds in offline_unknown.values() for d in ds}
    online = svc.price(_receipt(), carded)
    assert {d.campaign_id for ds in online.values() for d in ds} == {"MILK10", "GOLD"}
    connect(till, unreachable)
    assert svc.price(_receipt(), carded) == online


def test_a_used_coupon_is_refused_online_and_accepted_offline(pair):
    light, till = pair
    svc = till.ctx.services.promotions
    with light.require_db().write() as s:
        (code,) = coupons.issue_batch(s, "SPRING", 1, utcnow())[1]
    with_coupon = {**CONTEXT, "coupons": [code]}
    assert "CPN" in {
        d.campaign_id for ds in svc.price(_receipt(), with_coupon).values() for d in ds
    }
    ask(light, "coupon.redeem", {"code": code, "receipt_id": "ELSEWHERE"})
    assert "CPN" not in {
        d.campaign_id for ds in svc.price(_receipt(), with_coupon).values() for d in ds
    }
    mistyped = {**CONTEXT, "coupons": [make_code("77", 5, 8, True)[:-1] + "0"]}
    assert "CPN" not in {
        d.campaign_id for ds in svc.price_offline(_receipt(), mistyped).values() for d in ds
    }


def test_the_copy_survives_a_restart_and_a_bad_copy_is_refused(pair, tmp_path):
    _light, till = pair
    url = till.config.db.url
    till.stop()
    again = start_till(tmp_path, url)
    try:
        connect(again, unreachable)
        assert amounts(again.ctx.services.promotions.price(_receipt(), CONTEXT)) == {
            1: [("MILK10", 2000)]
        }
        with pytest.raises(PermanentApplyError, match="promo.campaigns"):
            apply_doc(again, "marketing>till-17-1", "promo.campaigns", b'{"format": 99}')
        assert again.status()["promotions"]["campaigns"] == 3
    finally:
        again.stop()


def test_a_certificate_sold_on_the_till_is_activated_by_its_accrual(pair):
    light, till = pair
    with light.require_db().write() as s:
        (number,) = certificates.create_certificates(s, "GC", 1, utcnow())
    doc = ReceiptDoc(
        receipt_id="R-CERT", store="17", till=1, shift_num=1, number=5, kind="sale",
        state="completed", opened_at="2026-12-07T11:59:00", closed_at="2026-12-07T12:00:00",
        closed_at_utc="2026-12-07T09:00:00Z", cashier_code="1", cashier_name="Petrova",
        total=50_000,
        lines=(ReceiptLineDoc(position=1, article="CERT500", name="Gift 500", measure="шт",
                              quantity=1000, price=50_000, amount=50_000, discount=0,
                              total=50_000, barcode=number),),
    )  # fmt: skip
    svc = till.ctx.services.promotions
    with till.ctx.require_db().write() as s:
        svc.on_receipt_closed(s, doc)
    deliver(till, light, "till-17-1>marketing")
    cert = ask(light, "certificate.check", {"number": number})
    assert (cert["state"], cert["balance"]) == ("sold", 50_000)
    payments = till.ctx.services.marketing_payments
    assert payments.balance("certificate", number) == 50_000


def test_certificate_lines_get_no_discount(pair):
    _light, till = pair
    r = add_line(Receipt(), article="CERT500", name="Gift", quantity=1000, price=50_000,
                 measure="шт")  # fmt: skip
    svc = till.ctx.services.promotions
    assert amounts(svc.price(r, {**CONTEXT, "card": "7770001"})) == {}
    assert json.loads(json.dumps(till.status()["promotions"]))["cards_known"] == 1


def test_a_cashier_sells_a_gift_certificate_by_its_series_article_and_number(pair):
    from tests.till.helpers import TillClient, apply_catalog, base_records, catalog_body, put

    light, till = pair
    records = base_records() + [
        put("item", article="CERT500", name="Подарочный сертификат 500", measure="шт",
            weighted=False, group_id="food", taxgroup_id="1"),
        put("price", article="CERT500", price=50_000),
    ]  # fmt: skip
    apply_catalog(till, catalog_body(records), seq=1)
    with light.require_db().write() as s:
        (number,) = certificates.create_certificates(s, "GC", 1, utcnow())
    cashier = TillClient(till.ctx.url)
    cashier.login()
    cashier.post("/shift/open")
    sold = cashier.post("/receipt/lines", {"article": "CERT500", "certificate": number})
    assert (sold["line"]["barcode"], sold["line"]["total"]) == (number, 50_000)
    twice = cashier.fail("POST", "/receipt/lines", {"article": "CERT500", "certificate": number})
    assert twice[1]["code"] == "sale.certificate_twice"
    milk = cashier.fail("POST", "/receipt/lines", {"article": "100", "certificate": "9000000001"})
    assert milk[1]["code"] == "sale.not_a_certificate"
    alone = cashier.fail("POST", "/receipt/lines", {"barcode": "4600000000015", "certificate": "9"})
    assert alone[1]["code"] == "request.invalid"
    assert cashier.pay("cash", 50_000)["closed"]["state"] == "completed"
    deliver(till, light, "till-17-1>marketing")
    cert = ask(light, "certificate.check", {"number": number})
    assert (cert["state"], cert["balance"]) == ("sold", 50_000)
