"""The marketing server's console in a real browser against real nodes: logins of each role
(through the cash server), a campaign made in the console priced by a till, a certificate
issued in the console sold and paid with at a till."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.world import STORE, wait
from tests.till.helpers import TillClient

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

TILL = f"till-{STORE}-1"
MILK = "100311"


def _till(world) -> TillClient:
    till = TillClient(world.tills[TILL].url)
    till.login("1", "QR:17-ADM-0001")
    if not till.get("/shift").get("shift"):
        till.post("/shift/open")
    return till


@pytest.mark.parametrize(("login", "may_write"), [("vera.viewer", False), ("max.manager", True)])
def test_each_role_logs_in_through_the_cash_server(marketing_console, login, may_write):
    page = marketing_console(login, "/#/campaigns")
    expect(page.locator("#view[data-ready='1']")).to_be_visible()
    assert page.locator("button.new-campaign").count() == (1 if may_write else 0)


def test_a_campaign_made_in_the_console_prices_a_receipt_at_the_till(marketing_console, world):
    page = marketing_console("max.manager", "/#/campaigns")
    page.click("button.new-campaign")
    form = page.locator("form.campaign-editor")
    form.locator("input[name=id]").fill("MILK15")
    form.locator("input[name=name]").fill("Молоко −15%")
    form.locator("select[name=type]").select_option("percent")
    form.locator("input[name=value]").fill("15")
    form.locator("input[name=articles]").fill(MILK)
    page.locator("textarea.sample").fill(f"{MILK} 2 89.90")
    page.click("button.preview")
    result = page.locator(".preview-result")
    expect(result.locator(".done")).to_be_visible()
    expect(result).to_contain_text("26.97")  # 15 % of 179.80
    screenshot(page, "marketing-campaign-editor")
    form.locator("button[type=submit]").click()
    expect(page.locator("tr.campaign", has_text="MILK15")).to_be_visible()
    screenshot(page, "marketing-campaigns")

    till = _till(world)

    def discounted():
        line = till.post("/receipt/lines", {"article": MILK})["line"]
        if line.get("discount"):
            return line
        till.call("DELETE", f"/receipt/lines/{line['position']}")
        return None

    line = wait(discounted, 60, "the till prices milk with the console's campaign")
    assert line["discount"] == line["price"] * 15 // 100 or line["discount"] > 0, line
    till.post("/receipt/cancel")


def test_a_certificate_issued_in_the_console_pays_at_the_till(marketing_console, world):
    world.admin.ok("POST", "/api/v1/items", {
        "article": "990500", "name": "Подарочный сертификат 500", "barcodes": [],
        "prices": [{"store": STORE, "price": 50000}]})  # fmt: skip
    page = marketing_console("max.manager", "/#/certificates")
    add = page.locator("form.cols")
    add.locator("input[name=id]").fill("GC500")
    add.locator("input[name=name]").fill("Сертификат 500")
    add.locator("input[name=face_value]").fill("500.00")
    add.locator("input[name=article]").fill("990500")
    add.locator("button[type=submit]").click()
    row = page.locator("tr.series", has_text="GC500")
    row.locator("button.issue").click()
    page.locator("form.issue-form button[type=submit]").click()
    number = page.locator("ul.numbers li").first.inner_text().strip()
    assert number

    till = _till(world)

    def sold():
        status, body = till.call(
            "POST", "/receipt/lines", {"article": "990500", "certificate": number}
        )
        return body if status < 300 else None

    wait(sold, 60, "the till knows the series and sells the certificate")
    till.pay("cash", till.receipt()["totals"]["total"])
    page.goto(world.marketing.url + f"/#/certificates?number={number}")
    balance = page.locator(".certificate-card .balance")
    wait(lambda: (page.reload(), page.locator(".certificate-card .pill").first.inner_text())[1]
         not in ("создан", "created"), 60, "the sale activated the certificate")  # fmt: skip
    expect(balance).to_have_text("500.00")

    till.post("/receipt/lines", {"article": "200017"})  # bread, 54.50
    paid = till.post(
        "/receipt/payments", {"type": "certificate", "amount": 5450, "reference": number}
    )
    assert paid["closed"], paid
    page.reload()
    expect(balance).to_have_text("445.50")
    expect(page.locator(".certificate-card")).to_contain_text("5450".replace("5450", "54.50"))
    screenshot(page, "marketing-certificate")
