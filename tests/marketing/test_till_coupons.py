"""The cashier's side of coupons and of the pricing outcome (#19.1, #19.3): a coupon is
refused at once with a reason, the receipt view says what each coupon does and why, how
the receipt was priced, the bonus points it earns and the gift still to take."""

import pytest

from tests.marketing.helpers import ask, connect, deliver, feed_stores, loopback, unreachable
from tests.nodes.helpers import http, start_node
from tests.till.helpers import MILK, STORE, TillClient, apply_catalog, base_records, catalog_body
from ukm_actors.domain.promotions.codes import make_code
from ukm_actors.nodes.marketing.core import coupons, loyalty
from ukm_actors.nodes.marketing.core.campaigns import publish, save_campaign, utcnow

CAMPAIGNS = [
    {"id": "CPN", "name": "Coupon -50.00", "conditions": {"coupon": "SPRING", "min_receipt": 20000},
     "action": {"type": "amount", "value": 5000, "scope": "receipt"}},
    {"id": "BONUS", "name": "Points 5%", "action": {"type": "bonus", "value": 500}},
    {"id": "BREAD", "name": "Bread for milk", "conditions": {"articles": ["100"],
     "min_quantity": 2000}, "action": {"type": "gift", "article": "101", "quantity": 1000}},
]  # fmt: skip


@pytest.fixture
def world(tmp_path, make_db_url, light):
    feed_stores(light, {STORE: 1})
    with light.require_db().write() as s:
        coupons.create_campaign(s, {"id": "SPRING", "name": "Spring", "prefix": "77",
                                    "length": 10}, utcnow())  # fmt: skip
        for data in CAMPAIGNS:
            save_campaign(s, data, create=True)
        loyalty.create_card(s, {"number": "7770001"}, utcnow())
        publish(s)
        codes = coupons.issue_batch(s, "SPRING", 3, utcnow())[1]
    from ukm_actors.nodes.marketing.core.engine import NAME, PromotionEngine

    engine = PromotionEngine.start(light.require_db(), 3600.0, lambda channels: None)
    light.names.set(NAME, engine)
    settings = {"store": STORE, "number": 1, "marketing_url": "http://127.0.0.1:9"}
    node = start_node("till", tmp_path, make_db_url("till"), node={"id": f"till-{STORE}-1"},
                      till=settings)  # fmt: skip
    try:
        apply_catalog(node, catalog_body(base_records()), seq=1)
        deliver(light, node, f"marketing>till-{STORE}-1")
        connect(node, loopback(light, f"till-{STORE}-1"))
        till = TillClient(node.ctx.url)
        till.login()
        till.post("/shift/open")
        yield light, node, till, codes
    finally:
        http.clear()
        node.stop()
        engine.stop()


def coupon_states(till):
    return {c["code"]: c for c in till.receipt()["pricing"]["coupons"]}


def test_a_mistyped_or_unknown_coupon_is_refused_at_once(world):
    light, _node, till, (code, used, _) = world
    till.scan(MILK)
    typo = code[:-1] + str((int(code[-1]) + 1) % 10)
    for bad, reason, words in (
        (typo, "coupon.mistyped", "check digit"),
        (code[:-1], "coupon.mistyped", "10 characters"),
        (make_code("77", 99, 10, True), "coupon.unknown", "no coupon was issued"),
        ("5512345678", "coupon.unknown", "no coupon was issued"),
    ):
        status, err = till.fail("POST", "/receipt/coupons", {"code": bad})
        assert (status, err["code"]) == (400, reason), err
        assert words in err["message"], err
    ask(light, "coupon.redeem", {"code": used, "receipt_id": "ELSEWHERE"})
    err = till.fail("POST", "/receipt/coupons", {"code": used})[1]
    assert err["code"] == "coupon.used" and "already used" in err["message"]
    assert till.receipt()["coupons"] == []


def test_the_receipt_says_what_each_coupon_does_and_why(world):
    _light, _node, till, (code, _, _) = world
    till.scan(MILK)
    r = till.post("/receipt/coupons", {"code": code})["receipt"]
    assert r["coupons"] == [code]
    state = {c["code"]: c for c in r["pricing"]["coupons"]}[code]
    assert (state["state"], state["checked"], state["reason"]) == (
        "not_applicable", "online", "min_receipt")  # fmt: skip
    assert state["message"] == "«Coupon -50.00» needs a receipt of at least 200.00"
    assert state["campaign_id"] == "SPRING"
    russian = TillClient(till.url[: -len("/api/v1")], "ru").receipt()["pricing"]["coupons"][0]
    russian = russian["message"]
    assert russian == "для «Coupon -50.00» сумма чека должна быть не меньше 200.00"
    till.post("/receipt/lines", {"article": "300", "price_type": "base"})  # coffee 300.00
    state = coupon_states(till)[code]
    assert (state["state"], state["reason"], state["message"]) == ("applied", None, None)
    assert till.receipt()["totals"]["discount"] == 5000
    pricing = till.receipt()["pricing"]
    assert pricing["mode"] == "online" and pricing["offline_reason"] is None


def test_offline_the_till_checks_what_it_can_and_says_so(world):
    _light, node, till, (code, _, _) = world
    connect(node, unreachable)
    till.scan(MILK)
    r = till.post("/receipt/coupons", {"code": code})["receipt"]
    pricing = r["pricing"]
    assert (pricing["mode"], pricing["offline_code"]) == ("offline", "marketing.unreachable")
    assert "cannot be reached" in pricing["offline_reason"]
    assert pricing["coupons"][0]["checked"] == "offline"
    typo = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert till.fail("POST", "/receipt/coupons", {"code": typo})[1]["code"] == "coupon.mistyped"
    err = till.fail("POST", "/receipt/coupons", {"code": "5512345678"})[1]
    assert err["code"] == "coupon.unknown" and "no coupon campaign" in err["message"]


def test_bonus_points_and_a_gift_not_taken_are_shown(world):
    _light, _node, till, _codes = world
    till.post("/receipt/card", {"card": "7770001"})
    till.post("/receipt/lines", {"article": "100", "quantity": 2000})  # 2 × 89.90
    pricing = till.receipt()["pricing"]
    assert pricing["bonus_points"] == 899  # 5 % of 179.80, half up
    assert pricing["bonus"] == [{"campaign_id": "BONUS", "name": "Points 5%", "points": 899}]
    assert pricing["missing_gifts"] == [
        {"campaign_id": "BREAD", "campaign": "Bread for milk", "article": "101",
         "name": "Хлеб", "quantity": 1000, "quantity_text": "1.000"}
    ]  # fmt: skip
    assert pricing["campaigns_version"]
    till.post("/receipt/lines", {"article": "101"})
    pricing = till.receipt()["pricing"]
    assert pricing["missing_gifts"] == [] and till.receipt()["totals"]["discount"] == 4500


def test_the_till_tells_which_campaign_version_it_holds(world):
    from ukm_actors.nodes.marketing.core.campaigns import store_set
    from ukm_actors.nodes.till.reporting import build_report

    light, node, till, _codes = world
    with light.require_db().read() as s:
        version = store_set(s, STORE).version
    assert node.status()["promotions"]["version"] == version
    assert build_report(node.ctx)["promotions"]["campaigns_version"] == version
    till.scan(MILK)
    assert till.receipt()["pricing"]["campaigns_version"] == version
