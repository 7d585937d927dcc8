"""Receipts and shifts in the cash server's console: a sale with a return against it (what was
taken back, the original opened from the return), a shift's closing beside the till's Z report,
and both lists downloaded as CSV."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.console_helpers import give_back, sell, till
from tests.browser.world import wait

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

BREAD, MILK = "200017", "100311"


def _download(page, button) -> list[list[str]]:
    with page.expect_download() as info:
        button.click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    return list(csv.reader(io.StringIO(text)))


def test_a_sale_shows_what_was_taken_back_and_its_return_opens_the_sale(console, world):
    sale = sell(world, BREAD, MILK)
    back = give_back(world, sale, {"2": 1000})["return_id"]
    page = console("vera.viewer", f"/#/receipts?open={back}")
    dialog = page.locator(".dialog")
    expect(dialog.locator(".printed")).to_contain_text("ВОЗВРАТ")
    dialog.locator(".printed .original a").click()  # the sale it returns
    expect(dialog).to_have_count(2)
    sale_view = dialog.nth(1)
    expect(sale_view.locator(".printed")).to_contain_text("ПРОДАЖА")
    expect(sale_view.locator(".returned")).to_contain_text("Молоко")
    expect(sale_view.locator(".returns")).to_contain_text("Возвращено")
    expect(sale_view.locator(".export-state")).to_contain_text("Выгрузка:")
    assert "done" not in sale_view.locator(".export-state").inner_text()  # said in Russian
    screenshot(page, "console-receipt-returned")


def test_a_shift_closing_beside_the_tills_z_report_and_csv(console, world):
    receipt = sell(world, BREAD)
    closed = till(world).post("/shift/close")
    number = closed["shift"]["shift_num"]
    assert world.admin is not None

    def arrived():
        shifts = world.admin.ok("GET", "/api/v1/shifts?store=17")["shifts"]
        return next((s for s in shifts if s["shift"] == number and s["till_totals"]), None)

    shift = wait(arrived, 30, "the shift's closing reached the server")
    page = console("vera.viewer", "/#/shifts?store=17")
    row = page.locator("tr.shift").filter(has=page.locator("td:nth-child(5)", has_text=str(number)))
    row.first.click()
    view = page.locator(".shift-view")
    totals = view.locator(".shift-totals")
    expect(totals).to_contain_text("По данным сервера")
    expect(totals).to_contain_text("Z-отчёт кассы")
    assert not totals.locator("tr.bad").count()  # the server counted what the till did
    expect(view.locator(".drawer")).to_contain_text("Наличных в ящике")
    screenshot(page, "console-shift")
    view.locator("button.receipts-of-shift").click()
    expect(page.locator("tr.receipt", has_text=receipt)).to_be_visible()

    page.goto(world.url + "/#/shifts?store=17")
    rows = _download(page, page.locator("form.shift-filter button.csv"))
    assert rows[0][:3] == ["Открыта", "Смена закрыта", "Магазин"], rows[0]
    mine = [r for r in rows[1:] if r[4] == str(number)]
    assert mine and mine[0][9] == f"{shift['totals']['sales_total'] / 100:.2f}", (mine, shift)

    page.goto(world.url + f"/#/receipts?store=17&shift={number}&till=1")
    rows = _download(page, page.locator("form.receipt-filter button:has-text('Скачать CSV')"))
    assert any(receipt in r for r in rows[1:]), rows


def test_receipts_are_found_between_two_times_of_a_day(console, world):
    receipt = sell(world, BREAD)
    assert world.admin is not None
    closed = world.admin.ok("GET", f"/api/v1/receipts/{receipt}")["receipt"]["closed_at"]
    day, at = closed[:10], closed[11:16]  # the store's wall clock, as printed
    minute_before = f"{int(at[:2]) * 60 + int(at[3:]) - 1:04d}"
    before = f"{int(minute_before) // 60:02d}:{int(minute_before) % 60:02d}"
    page = console("vera.viewer", f"/#/receipts?from={day}&from_time={at}&to={day}")
    expect(page.locator("tr.receipt", has_text=receipt)).to_be_visible()
    if at != "00:00":  # a receipt closed at midnight has no minute before it that day
        page.goto(world.url + f"/#/receipts?from={day}&to={day}&to_time={before}")
        expect(page.locator("#view[data-ready='1'] form.receipt-filter")).to_be_visible()
        expect(page.locator("tr.receipt", has_text=receipt)).to_have_count(0)
    page.goto(world.url + "/#/receipts?from_time=10:00")  # a time without its day
    expect(page.locator("#view[data-ready='1'] .error:not([hidden])")).to_contain_text("дату")
    expect(page.locator("form.receipt-filter")).to_be_visible()  # the filter stays to fix it
