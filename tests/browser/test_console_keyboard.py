"""The consoles from the keyboard: a filter submitted with Enter, a row opened with Enter, a
dialog closed with Escape (only the topmost, focus back where it was), dialogs closed when the
page changes, and the focus always visible."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.console_helpers import give_back, sell

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

BREAD, MILK = "200017", "100311"


def _focus_in_dialog(page) -> bool:
    return bool(page.evaluate(
        "() => { const d = [...document.querySelectorAll('.dialog')].pop();"
        " return !!d && d.contains(document.activeElement); }"))  # fmt: skip


def test_the_receipts_page_from_the_keyboard(console, world):
    receipt_id = sell(world, BREAD, MILK)
    give_back(world, receipt_id, {"2": 1000})
    page = console("vera.viewer", "/#/receipts")
    page.locator("form.receipt-filter input[name=article]").fill(MILK)
    page.keyboard.press("Enter")  # the filter is a form: Enter submits it
    expect(page).to_have_url(f"{world.url}/#/receipts?article={MILK}")
    row = page.locator("tr.receipt", has_text=receipt_id)
    row.focus()
    page.keyboard.press("Enter")
    dialog = page.locator(".dialog")
    expect(dialog).to_have_count(1)
    assert _focus_in_dialog(page)
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"

    page.locator(".dialog .returns tbody tr").first.click()  # the return, over the sale
    expect(dialog).to_have_count(2)
    page.keyboard.press("Escape")  # closes the return only
    expect(dialog).to_have_count(1)
    expect(dialog).to_contain_text(receipt_id)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert page.evaluate("() => document.activeElement.classList.contains('receipt')")

    row.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(1)
    page.goto(world.url + "/#/shifts")  # another page: the receipt's dialog goes
    expect(page.locator("#view[data-page=shifts][data-ready='1']")).to_be_visible()
    expect(dialog).to_have_count(0)


def test_the_tab_key_stays_in_a_dialog_and_shows_where_it_is(console):
    page = console("max.manager", "/#/catalog")
    page.click("text=Новый товар")
    form = page.locator("form.item-editor")
    expect(form.locator("input[name=article]")).to_be_focused()
    for _ in range(40):  # more than the fields: the focus wraps round inside the dialog
        page.keyboard.press("Tab")
        assert _focus_in_dialog(page)
    style = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert style != "none", style
    page.keyboard.press("Escape")
    expect(form).to_have_count(0)
