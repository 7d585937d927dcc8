"""The pricing outcome on the cashier screen against a real marketing node (in this
process, asked the way the bridge does): priced online, the bonus to earn, the gift not
taken, each coupon's state and why, a certificate and bonus points paid; then the
marketing server away: priced offline with the reason, a coupon checked offline, and the
receipt cancelled with a supervisor."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_screen import login, open_shift, rows, scan
from tests.marketing.helpers import (
    api,
    connect,
    deliver,
    feed_stores,
    loopback,
    start_marketing,
    unreachable,
)
from tests.nodes.helpers import http
from tests.till.helpers import BREAD, COFFEE, MILK, STORE
from ukm_actors.domain.promotions import accrual as accruals
from ukm_actors.nodes.marketing.core.accruals import apply_accrual
from ukm_actors.nodes.marketing.core.campaigns import utcnow

pytestmark = pytest.mark.slow

TILL = f"till-{STORE}-1"
CARD = "7770001"
CAMPAIGNS = [
    {"id": "CPN", "name": "Купон −50", "conditions": {"coupon": "SPRING", "min_receipt": 40000},
     "action": {"type": "amount", "value": 5000, "scope": "receipt"}},
    {"id": "BONUS", "name": "Баллы 5%", "action": {"type": "bonus", "value": 500}},
    {"id": "BREAD", "name": "Хлеб к молоку", "conditions": {"articles": ["100"],
     "min_quantity": 2000}, "action": {"type": "gift", "article": "101", "quantity": 1000}},
]  # fmt: skip


@pytest.fixture
def marketing(tmp_path, make_db_url):
    node = start_marketing(tmp_path, make_db_url("marketing"))
    try:
        _setup(node)
        yield node
    finally:
        http.clear()
        node.stop()


def _setup(node) -> None:
    """Campaigns, a coupon campaign with codes, a card with points, an active certificate."""
    feed_stores(node, {STORE: 1})
    spring = {"id": "SPRING", "name": "Весна", "prefix": "77", "length": 10}
    assert api(node, "POST", "/api/v1/coupon-campaigns", spring)[0] == 201
    for data in CAMPAIGNS:
        status, answer = api(node, "POST", "/api/v1/campaigns", data)
        assert status == 201, answer
    codes = api(node, "POST", "/api/v1/coupon-campaigns/SPRING/batches", {"count": 3})[1]["codes"]
    assert api(node, "POST", "/api/v1/cards", {"number": CARD})[0] == 201
    series = {"id": "GC", "name": "Подарок", "face_value": 50_000, "article": "CERT500",
              "prefix": "9", "length": 10}  # fmt: skip
    assert api(node, "POST", "/api/v1/certificate-series", series)[0] == 201
    cert = api(node, "POST", "/api/v1/certificate-series/GC/certificates", {"count": 1})[1]
    number = cert["numbers"][0]
    node.ctx.asks.get("certificate.activate")({"number": number, "receipt_id": "S0"}, TILL)
    earlier = utcnow() - timedelta(days=20)
    with node.ctx.require_db().write() as s:  # points earned three weeks ago: spendable now
        apply_accrual(s, _accrual(earlier), node.ctx.config.marketing, utcnow())
    node.codes, node.certificate = codes, number


def _accrual(at):
    return accruals.Accrual(
        receipt_id="EARLIER", store=STORE, till=TILL, kind="sale",
        closed_at=at.isoformat(timespec="seconds"),
        closed_at_utc=at.isoformat(timespec="seconds") + "Z", total=200_000, card=CARD,
        payments=(accruals.AccrualPayment("cash", 200_000),), earned=(("BONUS", 10_000),),
        original_receipt_id=None,
    )  # fmt: skip


def test_the_pricing_outcome_certificate_and_bonus_online_then_offline(
    screen_till, open_page, marketing
):
    node = screen_till(marketing_url="http://127.0.0.1:9")
    deliver(marketing, node, f"marketing>{TILL}")
    connect(node, loopback(marketing, TILL))
    first, second, _ = marketing.codes
    page = open_page(node.ctx.url + "/")
    extras = page.locator("#extras")
    login(page)
    open_shift(page)

    page.keyboard.press("F7")  # the card first: it opens the receipt
    page.keyboard.type(CARD)
    page.keyboard.press("Enter")
    expect(extras.locator(".card")).to_contain_text(CARD)
    page.keyboard.press("F7")
    page.keyboard.press("Tab")
    page.keyboard.type(first)
    page.keyboard.press("Enter")
    coupon = extras.locator(f'[data-coupon="{first}"]')
    expect(coupon).to_have_attribute("data-state", "not_applicable")
    expect(coupon.locator(".why")).to_contain_text("Купон −50")
    expect(extras.locator('[data-pricing="online"]')).to_have_text("Акции: на связи")

    page.keyboard.type("2*")
    scan(page, MILK)  # two milks: the bread is a gift, not taken yet
    gift = extras.locator('[data-gift="101"]')
    expect(gift).to_contain_text("Хлеб")
    expect(gift).to_contain_text("Хлеб к молоку")
    expect(extras.locator(".bonus")).to_contain_text("899")  # 5% of 179.80
    display = open_page(node.ctx.url + "/display", 1024, 600)  # the buyer sees them too
    expect(display.locator("#offers .gift")).to_contain_text("Хлеб")
    expect(display.locator("#offers .bonus")).to_contain_text("899")
    screenshot(display, "display-offers-1024")
    scan(page, BREAD)
    expect(gift).to_have_count(0)
    expect(coupon.locator(".why")).to_contain_text("400.00")  # the receipt is below 400.00
    scan(page, COFFEE)  # two additional prices: the cashier chooses
    question = page.locator(".dialog.question")
    expect(question).to_contain_text("Клубная цена")
    page.keyboard.press(question.locator(".btn", has_text="Акция").get_attribute("data-key"))
    expect(rows(page).nth(2).locator("td.price")).to_have_text("270.00")
    expect(coupon).to_have_attribute("data-state", "applied")  # 449.80 now
    expect(page.locator("#due")).to_have_text("399.80")
    page.keyboard.type("2*")
    scan(page, COFFEE)
    page.keyboard.press(question.locator(".btn", has_text="Клубная").get_attribute("data-key"))
    expect(page.locator("#due")).to_have_text("899.80")  # 179.80 + 270 + 2 × 250 − 50
    expect(rows(page).nth(2).locator("td.name")).to_contain_text("(Акция)")
    # priced online just now: the marketing pill does not say otherwise
    expect(page.locator('[data-link="marketing"]')).to_have_class(re.compile("online"))
    screenshot(page, "screen-pricing-1024")

    page.keyboard.press("F4")  # a gift certificate, part of it
    page.keyboard.press("Control+A")
    page.keyboard.type("100")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type(marketing.certificate)
    page.keyboard.press("F4")
    expect(extras.locator('[data-tender="certificate"]')).to_contain_text("100.00")
    page.keyboard.press("F4")  # bonus points, from the card on the receipt
    page.keyboard.press("Control+A")
    page.keyboard.type("50")
    page.keyboard.press("F5")
    expect(extras.locator('[data-tender="bonus"]')).to_contain_text("50.00")
    expect(page.locator("#due")).to_have_text("749.80")
    page.keyboard.press("F2")
    page.keyboard.press("F2")
    expect(page.locator(".dialog.change")).to_be_visible()
    page.keyboard.press("Enter")
    certificate = api(marketing, "GET", f"/api/v1/certificates/{marketing.certificate}")[1]
    assert certificate["balance"] == 40_000
    assert api(marketing, "GET", f"/api/v1/cards/{CARD}")[1]["bonus"]["spendable"] == 5_000

    connect(node, unreachable)  # the marketing server goes away
    scan(page, MILK)
    offline = extras.locator('[data-pricing="offline"]')
    expect(offline).to_contain_text("офлайн")
    expect(offline.locator(".why")).to_contain_text("недоступен")
    page.keyboard.press("F7")
    page.keyboard.press("Tab")
    page.keyboard.type(second)
    page.keyboard.press("Enter")
    expect(extras.locator(f'[data-coupon="{second}"] .how')).to_contain_text("офлайн")
    screenshot(page, "screen-offline-1024")
    page.keyboard.press("F8")  # cancel the receipt: the cashier may not, a supervisor may
    expect(page.locator(".dialog h2")).to_have_text("Отменить чек")
    page.keyboard.press("Enter")
    expect(page.locator(".dialog.supervisor")).to_be_visible()
    page.keyboard.type("9")
    page.keyboard.press("Enter")
    page.keyboard.type("9999")
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("отменён")
    expect(rows(page)).to_have_count(0)
    assert node.client.get("/receipt")["receipt"] is None
