"""The shift's reports and cash, the lock and the cashier's card; a card payment cancelled at
the PIN pad and one whose outcome nobody knows, resolved from the slip."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_screen import login, open_shift, rows, scan
from tests.till.helpers import MILK
from ukm_actors.hw.emulators import BankTerminalEmulator, NoAnswer

pytestmark = pytest.mark.slow


def test_reports_cash_in_the_lock_and_a_card_login(screen_till, open_page):
    node = screen_till()
    page = open_page(node.ctx.url + "/")
    login(page)
    open_shift(page)
    page.keyboard.press("F10")
    page.keyboard.press("3")  # cash in
    page.keyboard.type("1000")
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("1\u202f000.00")
    page.keyboard.press("F10")
    page.keyboard.press("1")  # X report, shown
    report = page.locator(".dialog table.report")
    expect(report).to_contain_text("Внесение")
    expect(report).to_contain_text("1\u202f000.00")
    page.keyboard.press("F2")  # and printed
    expect(page.locator("#message")).to_contain_text("X-отчёт смены 1: напечатано")

    page.keyboard.press("Escape")
    expect(page.locator("#overlay")).to_be_hidden()
    page.keyboard.press("F12")  # a break: the till is locked
    expect(page.locator(".dialog.login h2")).to_have_text("Касса заблокирована")
    assert node.client.get("/login")["locked_by"]["code"] == "1"
    page.keyboard.type("1111")  # the password field has the focus
    page.keyboard.press("Enter")
    expect(page.locator("#overlay")).to_be_hidden()
    expect(page.locator("#cashier-info")).to_have_text("Иванова")

    page.keyboard.press("F10")
    page.keyboard.press("5")  # log out; the senior cashier scans his card
    expect(page.locator(".dialog.login")).to_be_visible()
    page.keyboard.type("CARD-9")
    page.keyboard.press("Enter")
    expect(page.locator("#cashier-info")).to_have_text("Петров (старший)")
    page.keyboard.press("F10")
    page.keyboard.press("2")  # close the shift
    expect(page.locator(".dialog h2")).to_have_text("Закрыть смену")
    page.keyboard.press("Enter")
    expect(page.locator(".dialog h2")).to_have_text("Z-отчёт, смена 1")
    page.keyboard.press("Enter")
    expect(page.locator(".dialog.gate")).to_be_visible()


def test_card_cancelled_at_the_pin_pad_and_an_unknown_outcome_resolved(screen_till, open_page):
    with BankTerminalEmulator() as bank:
        node = screen_till(
            devices={"bank": {"url": bank.url, "check_interval": 0, "pay_timeout": 1.5}}
        )
        page = open_page(node.ctx.url + "/")
        login(page)
        open_shift(page)
        scan(page, MILK)
        expect(rows(page)).to_have_count(1)

        bank.script(NoAnswer())
        page.keyboard.press("F3")
        page.keyboard.press("F3")
        expect(page.locator(".dialog.pinpad")).to_contain_text("89.90")
        assert bank.wait_pending("17-1-1-1")
        page.keyboard.press("Escape")  # the cashier cancels at the till
        expect(page.locator("#message")).to_have_class("error")
        expect(page.locator(".dialog.pinpad")).to_be_hidden()
        assert node.client.receipt()["payments"] == []

        bank.script(NoAnswer())  # now nobody knows what the terminal did
        page.keyboard.press("F3")
        page.keyboard.press("F3")
        unknown = page.locator(".dialog.unknown")
        expect(unknown).to_be_visible(timeout=20000)
        page.keyboard.type("RRN-FROM-SLIP")
        page.keyboard.press("F2")
        expect(page.locator(".dialog.change")).to_be_visible()
        closed = node.client.get("/receipt")["receipt"]
        assert closed is None
