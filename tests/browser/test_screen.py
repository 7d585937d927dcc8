"""The cashier's screen in a real browser against a real till: a whole sale by keyboard only,
the supervisor, a return, a reload, two tabs, the till's own scanner and a till restart."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.till.helpers import APPLES, BEER, BREAD, MILK, SUPERVISOR
from ukm_actors.hw.emulators import BankTerminalEmulator, ScalesEmulator

pytestmark = pytest.mark.slow


def login(page, code: str = "1", password: str = "1111") -> None:
    expect(page.locator(".dialog.login")).to_be_visible()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.keyboard.type(password)
    page.keyboard.press("Enter")


def open_shift(page) -> None:
    expect(page.locator(".dialog.gate")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#overlay")).to_be_hidden()
    expect(page.locator("#shift-info")).to_have_text("Смена 1")


def scan(page, code: str) -> None:
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def rows(page):
    return page.locator("#lines-body tr")


def test_a_whole_sale_by_keyboard_only(screen_till, open_page):
    """Issue #12's flow: login → open shift → scan → age question → weighed item (scales) →
    split payment → change → receipt printed."""
    with BankTerminalEmulator() as bank, ScalesEmulator(weight=500) as scales:
        node = screen_till(
            devices={
                "bank": {"url": bank.url, "check_interval": 0, "pay_timeout": 5},
                "scales": {"url": scales.url, "check_interval": 0},
            }
        )
        page = open_page(node.ctx.url + "/")
        display = open_page(node.ctx.url + "/display", 800, 480)
        expect(display.locator("#idle")).to_have_text("Добро пожаловать!")
        login(page)
        open_shift(page)
        scan(page, MILK)
        expect(rows(page)).to_have_count(1)
        scan(page, BEER)  # alcohol: the till asks for the buyer's age
        expect(page.locator(".dialog.question")).to_contain_text("18")
        screenshot(page, "screen-question-1024")
        page.keyboard.press("Enter")
        expect(rows(page)).to_have_count(2)
        scan(page, APPLES)  # weighed: the scales say 0.500 kg
        expect(rows(page)).to_have_count(3)
        expect(rows(page).nth(2)).to_contain_text("0.500 кг")
        page.keyboard.type("2*")  # the multiplier key, then the scan
        expect(page.locator("#multiplier")).to_have_text("2 ×")
        scan(page, BREAD)
        expect(rows(page).nth(3).locator("td.qty")).to_have_text("2")
        expect(page.locator("#due")).to_have_text("374.90")
        screenshot(page, "screen-keyboard-1024")

        page.keyboard.press("F3")  # card, part of it
        page.keyboard.press("Control+A")
        page.keyboard.type("100")
        page.keyboard.press("F3")
        expect(page.locator("#message")).to_contain_text("осталось 274.90")
        expect(page.locator("#extras")).to_contain_text("220220******1234")
        page.keyboard.press("F2")  # the rest in cash, more than due
        page.keyboard.type("500")  # the prefilled amount due is selected: typing replaces it
        page.keyboard.press("F2")
        change = page.locator(".dialog.change")
        expect(change.locator(".change-amount")).to_have_text("225.10")
        expect(change).to_contain_text("напечатано")
        screenshot(page, "screen-change-1024")
        expect(display.locator("#change b")).to_have_text("225.10")
        page.keyboard.press("Enter")
        expect(rows(page)).to_have_count(0)
        assert bank.charged("17-1-1-1") == 10000
        assert scales.requests == 1
    printed = node.printer_path.read_bytes()
    assert "Молоко".encode("cp866") in printed or "Молоко".encode() in printed


def test_a_supervisor_confirms_a_void_the_cashier_may_not_do(screen_till, open_page):
    node = screen_till()
    page = open_page(node.ctx.url + "/")
    login(page)
    open_shift(page)
    scan(page, MILK)
    scan(page, BREAD)
    expect(rows(page)).to_have_count(2)
    page.keyboard.press("ArrowUp")  # the last line
    page.keyboard.press("ArrowUp")  # the first
    expect(rows(page).nth(0)).to_have_class(re.compile("selected"))
    page.keyboard.press("F6")
    page.keyboard.press("Enter")  # yes, void it
    sup = page.locator(".dialog.supervisor")
    expect(sup).to_contain_text("нет права")
    screenshot(page, "screen-supervisor-1024")
    page.keyboard.type("9")
    page.keyboard.press("Enter")
    page.keyboard.type("9999")
    page.keyboard.press("Enter")
    expect(rows(page).nth(0)).to_have_class(re.compile("voided"))
    expect(page.locator("#due")).to_have_text("45.00")
    scan(page, APPLES)  # weighed, no scales: the cashier types the weight
    expect(page.locator(".dialog h2")).to_have_text("Введите вес")
    page.keyboard.type("0.5")
    page.keyboard.press("Enter")
    expect(rows(page).nth(2)).to_contain_text("0.500 кг")
    expect(page.locator("#due")).to_have_text("120.00")
    receipt = node.client.receipt()
    assert receipt["lines"][0]["voided"] is True
    page.keyboard.press("F7")  # a loyalty card, then a coupon the till cannot check alone
    page.keyboard.type("7770001")
    page.keyboard.press("Enter")
    expect(page.locator("#extras")).to_contain_text("7770001")
    page.keyboard.press("F7")
    page.keyboard.press("Tab")
    page.keyboard.type("COUPON1")
    page.keyboard.press("Enter")
    message = page.locator("#message")
    expect(message).to_have_class("error")  # the till's own words, in Russian, no code
    text = message.locator("b").text_content() or ""
    assert re.search("[а-я]", text) and not re.fullmatch(r"[a-z_]+\.[a-z_.]+", text), text


def test_a_return_of_this_tills_receipt_with_a_supervisor_while_offline(screen_till, open_page):
    node = screen_till()  # no cash server: the return uses this till's own copy
    api = node.client
    api.login()
    api.post("/shift/open")
    api.scan(MILK)
    api.scan(BREAD)
    sold = api.pay("cash", 20000)["closed"]
    page = open_page(node.ctx.url + "/?lang=en")
    expect(page.locator("#shift-info")).to_have_text("Shift 1")
    page.keyboard.press("F9")
    page.keyboard.type(sold["receipt_id"])  # the barcode printed on the receipt
    page.keyboard.press("Enter")
    lines = page.locator(".dialog.return-lines")
    expect(lines).to_contain_text("own copy")
    screenshot(page, "screen-return-en-1024")
    page.keyboard.press("Space")  # tick line 1 (the focus is on its box)
    page.keyboard.press("F2")
    expect(page.locator(".dialog.supervisor")).to_be_visible()
    page.keyboard.type("9")
    page.keyboard.press("Enter")
    page.keyboard.type("9999")
    page.keyboard.press("Enter")
    done = page.locator(".dialog.change")
    expect(done).to_contain_text("Return 2 done")
    expect(done.locator(".change-amount")).to_have_text("89.90")
    page.keyboard.press("Enter")
    shift = api.get("/shift")["shift"]
    assert shift["totals"]["returns_total"] == 8990


def test_reload_two_tabs_the_scanner_and_a_till_restart(screen_till, open_page, tmp_path):
    node = screen_till(ui_mode="touch")
    url, db_url = node.ctx.url, node.config.db.url
    page = open_page(url + "/", 1920, 1080)
    login(page)
    open_shift(page)
    scan(page, MILK)
    scan(page, BREAD)
    expect(rows(page)).to_have_count(2)
    page.keyboard.press("F2")  # the payment dialog with the on-screen pad
    expect(page.locator(".dialog .numpad")).to_be_visible()
    screenshot(page, "screen-touch-1920")
    page.keyboard.press("Escape")
    page.reload()  # the till holds the receipt, not the page
    expect(rows(page)).to_have_count(2)
    expect(page.locator("#due")).to_have_text("134.90")

    other = open_page(url + "/")  # a second tab on the same till
    expect(rows(other)).to_have_count(2)
    scan(other, MILK)
    expect(rows(page)).to_have_count(3)  # pushed to the first tab
    node.ctx.services.sale_flows.scan(BREAD)  # what the till's serial scanner does
    expect(rows(page)).to_have_count(4)
    expect(rows(other)).to_have_count(4)
    node.ctx.services.sale_flows.scan(BEER)  # the question waits on the receipt
    expect(page.locator(".dialog.question")).to_be_visible()
    expect(other.locator(".dialog.question")).to_be_visible()
    page.keyboard.press("Enter")  # answered in one tab: the other's dialog goes away
    expect(rows(other)).to_have_count(5)
    expect(other.locator("#overlay")).to_be_hidden()
    node.client.call("DELETE", "/receipt/lines/5", {"supervisor": SUPERVISOR})

    display = open_page(url + "/display", 1024, 600)
    expect(display.locator("#line")).to_contain_text("Хлеб")
    expect(display.locator("#total b")).to_have_text("269.80")
    screenshot(display, "display-1024")

    port = int(url.rsplit(":", 1)[1])
    node.stop()
    # the page notices at its next poll of /ui (every 5 s), so allow well over one period
    expect(page.locator("#tilldown")).to_be_visible(timeout=20000)
    screen_till(port=port, db_url=db_url, ui_mode="touch")
    expect(page.locator("#tilldown")).to_be_hidden(timeout=30000)
    login(page)  # the login does not survive a restart; the receipt does
    expect(rows(page)).to_have_count(5)
    expect(rows(page).nth(4)).to_have_class(re.compile("voided"))
