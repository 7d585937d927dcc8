"""The cash server's console in a real browser against real nodes (tests/browser/world.py):
logins of each role, the dashboard watching a till go offline and come back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.console_helpers import gone
from tests.browser.world import PASSWORD, STORE

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

TILL = f"till-{STORE}-1"


def test_a_wrong_password_is_refused_in_place(console):
    page = console(None)
    expect(page.locator("form.login h1")).to_have_text("УКМ — кассовый сервер")
    screenshot(page, "console-login")
    page.fill("input[name=login]", "anna.admin")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    expect(page.locator("form.login .error")).to_be_visible()
    expect(page.locator("#nav")).to_have_count(0)


@pytest.mark.parametrize(
    ("login", "role", "pages"),
    [
        ("vera.viewer", "viewer", ["dashboard"]),
        ("max.manager", "manager", ["dashboard"]),
        ("anna.admin", "admin", ["dashboard"]),
    ],
)
def test_each_role_logs_in_and_sees_its_pages(console, login, role, pages):
    page = console(login)
    expect(page.locator("#who .role")).to_have_attribute("data-role", role)
    nav = [a.get_attribute("data-page") for a in page.locator("#nav a").all()]
    for p in pages:
        assert p in nav
    page.click("#logout")
    expect(page.locator("form.login")).to_be_visible()


def test_the_dashboard_shows_a_till_go_offline_and_come_back(console, world):
    page = console("vera.viewer")
    row = page.locator(f'#tills tr[data-till="{TILL}"]')
    expect(row.locator(".pill.online")).to_be_visible(timeout=15000)
    expect(page.locator("#charts svg.chart").first).to_be_visible(timeout=15000)
    screenshot(page, "console-dashboard")

    till = world.tills[TILL]
    till.terminate()
    try:
        expect(row.locator(".pill.offline")).to_be_visible(timeout=20000)
        expect(page.locator("#alerts")).to_contain_text(TILL, timeout=20000)
        # Its own alert: another till of the shared world may be offline too (an earlier test).
        alert = page.locator("#alerts tr.alert.till-offline").filter(has_text=TILL)
        expect(alert).to_contain_text("Касса не на связи")
    finally:
        till.start()  # the later tests sell at this till
    expect(row.locator(".pill.online")).to_be_visible(timeout=30000)
    assert PASSWORD


def test_an_item_is_found_by_barcode_among_200000(console, big_catalog):
    from tests.browser.world import bulk_barcode

    page = console("vera.viewer", "/#/catalog", server=big_catalog)
    expect(page.locator("#search-figures")).to_contain_text("200")  # the whole catalog, paged
    page.fill("input[name=find]", bulk_barcode(123_456))
    page.keyboard.press("Enter")
    rows = page.locator("#items tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("9123456")
    screenshot(page, "console-catalog")
    rows.first.click()
    card = page.locator(".item-card")
    expect(card.locator(".barcodes")).to_contain_text(bulk_barcode(123_456))
    screenshot(page, "console-item")

    page.keyboard.press("Escape")
    page.fill("input[name=find]", "молоко")  # a part of the name: counted up to 1,000
    page.keyboard.press("Enter")
    expect(page.locator("#search-figures")).to_contain_text("более 1000")
    expect(rows).to_have_count(50)
    assert not page.locator("button:has-text('Новый товар')").count()  # a viewer edits nothing


def _till(world):
    from tests.till.helpers import TillClient

    return TillClient(world.tills[TILL].url)


def _eventually(check, within: float, what: str):
    from tests.browser.world import wait

    return wait(check, within, what)


def test_a_restriction_made_in_the_console_is_enforced_by_the_till(console, world):
    till = _till(world)
    page = console("max.manager", "/#/restrictions?store=17")
    editor = page.locator("form.rule-editor")
    editor.locator("select[name=store]").select_option("17")
    editor.locator("input[name=article]").fill("100245")
    editor.locator("input[name=from]").fill("00:00")
    editor.locator("input[name=to]").fill("23:59")
    editor.locator("input[name=message]").fill("Кефир не продаём (тест консоли)")
    editor.locator("button[type=submit]").click()
    expect(page.locator("tr.rule", has_text="100245")).to_be_visible()
    screenshot(page, "console-restrictions")

    till.login("1", "QR:17-ADM-0001")  # the store administrator: may void and cancel
    if not till.get("/shift").get("shift"):
        till.post("/shift/open")

    def refused():
        status, body = till.call("POST", "/receipt/lines", {"article": "100245"})
        if status < 300:  # not there yet: take the line back and try again
            till.call("DELETE", f"/receipt/lines/{body['line']['position']}")
            return None
        return body

    body = _eventually(refused, 30, "the till refuses the restricted item")
    assert "Кефир не продаём" in body["message"], body

    page.once("dialog", lambda d: d.accept())
    page.locator("tr.rule", has_text="100245").locator("button.danger").click()
    gone(page, page.locator("tr.rule", has_text="100245"))
    last: list = []

    def sold():
        last[:] = till.call("POST", "/receipt/lines", {"article": "100245"})
        return last[0] < 300

    try:
        _eventually(sold, 30, "the till sells it again")
    except AssertionError as exc:  # say why the till still refused (CI saw it once, on PostgreSQL)
        rules = world.admin.call("GET", "/api/v1/restrictions?store=17")
        raise AssertionError(f"{exc}; its last answer: {last}; server rules: {rules}") from exc
    till.post("/receipt/cancel")


def test_a_cashier_made_in_the_console_logs_in_at_the_till(console, world):
    page = console("max.manager", "/#/cashiers?store=17")
    form = page.locator("form.cashier-new")
    form.locator("input[name=id]").fill("555")
    form.locator("input[name=name]").fill("Тестова Мария")
    form.locator("select[name=role_id]").select_option("1")
    form.locator("input[name=password]").fill("4321")
    form.locator("button[type=submit]").click()
    expect(page.locator("td", has_text="Тестова Мария")).to_be_visible()
    screenshot(page, "console-cashiers")

    till = _till(world)
    _eventually(lambda: till.call("POST", "/login", {"code": "555", "password": "4321"})[0] == 200,
                30, "cashier 555 logs in at the till")  # fmt: skip


def test_a_viewer_sees_directories_without_controls(console):
    page = console("vera.viewer", "/#/restrictions")
    expect(page.locator("[data-readonly=manager]")).to_be_visible()
    assert not page.locator("form.rule-editor").count()
    assert not page.locator('#nav a[data-page="employees"]').count()


def test_an_item_made_in_the_console_is_sold_at_the_till(console, world):
    page = console("max.manager", "/#/catalog")
    expect(page.locator("#master-note")).to_be_visible()
    page.click("text=Новый товар")
    form = page.locator("form.item-editor")
    form.locator("input[name=article]").fill("777001")
    form.locator("input[name=name]").fill("Пирожок с капустой")
    form.locator("textarea[name=barcodes]").fill("2000000777003")
    form.locator("input[name=price_17]").fill("45.90")
    screenshot(page, "console-item-editor")
    form.locator("button[type=submit]").click()
    expect(page.locator("form.item-editor")).to_have_count(0)  # saved: the dialog closed
    expect(page.locator("#items tbody tr")).to_have_count(1)
    expect(page.locator("#items tbody tr")).to_contain_text("Пирожок с капустой")

    till = _till(world)
    till.login("1", "QR:17-ADM-0001")
    if not till.get("/shift").get("shift"):
        till.post("/shift/open")
    line = _eventually(
        lambda: (lambda r: r[1] if r[0] < 300 else None)(
            till.call("POST", "/receipt/lines", {"barcode": "2000000777003"})
        ),
        30,
        "the till sells the new item",
    )
    assert line["line"]["price"] == 4590, line
    till.post("/receipt/cancel")


def test_the_error_report_of_a_bad_import_opens_in_place(console, world):
    bad = world.inbox / "updateItems_[95]_[I].xml"
    part = world.inbox / ".bad.part"
    part.write_text('<?xml version="1.0"?><updateItems fullness="I"><item><article>1', "utf-8")
    part.rename(bad)
    _eventually(lambda: not bad.exists(), 30, "the bad file was taken")
    page = console("vera.viewer", "/#/exchange")
    row = page.locator("tr.import", has_text="updateItems_[95]_[I].xml")
    expect(row.locator(".pill.bad")).to_be_visible()
    row.click()
    report = page.locator("#import-report .error")
    expect(report).to_be_visible()
    expect(report.locator(".action")).to_be_visible()  # what the file asks for
    # in the console's language, Russian by default: where, what, what to do
    expect(report.locator(".where")).to_have_text("строка 1")
    expect(report.locator(".what")).to_contain_text("XML повреждён")
    expect(report.locator(".action")).to_contain_text("исправьте файл в товароучётной системе")
    screenshot(page, "console-exchange")
    assert not page.locator("form.reexport").count()  # a viewer exports nothing
    page.click("#who .lang")  # to English: the report too
    expect(page.locator("#who .lang")).to_have_text("RU")
    page.goto(world.url + "/#/exchange")
    page.locator("tr.import", has_text="updateItems_[95]_[I].xml").click()
    expect(report.locator(".where")).to_have_text("line 1")
    expect(report.locator(".what")).to_contain_text("the XML is malformed")
    expect(report.locator(".action")).to_contain_text("correct the file in the trade system")
    page.click("#who .lang")  # back to Russian for the other tests


def test_a_receipt_is_found_and_shown_as_printed(console, world):
    till = _till(world)
    till.login("1", "QR:17-ADM-0001")
    if not till.get("/shift").get("shift"):
        till.post("/shift/open")
    till.post("/receipt/lines", {"article": "200017"})  # bread
    receipt_id = till.receipt()["receipt_id"]
    till.pay("cash", till.receipt()["totals"]["total"])
    _eventually(lambda: world.admin.call("GET", f"/api/v1/receipts/{receipt_id}")[0] == 200,
                30, "the receipt reached the server")  # fmt: skip
    page = console("vera.viewer", "/#/receipts?store=17&article=200017&payment=cash")
    rows = page.locator("tr.receipt")
    expect(rows.first).to_be_visible(timeout=20000)
    page.locator("tr.receipt", has_text=receipt_id).click()
    printed = page.locator(".printed")
    expect(printed).to_contain_text("Хлеб Бородинский")
    expect(printed).to_contain_text("наличные")
    screenshot(page, "console-receipt")


def test_the_audit_log_is_filtered_and_a_period_is_exported_again(console, world):
    page = console("max.manager", "/#/audit?action=restriction.")
    entries = page.locator("tr.entry")
    expect(entries.first).to_be_visible()
    assert all("restriction." in e.inner_text() for e in entries.all())
    screenshot(page, "console-audit")
    page.goto(world.url + "/#/exchange")
    form = page.locator("form.reexport")
    form.locator("input[name=since]").fill("2020-01-01")
    form.locator("button[type=submit]").click()
    expect(form.locator(".result")).to_be_visible(timeout=20000)
