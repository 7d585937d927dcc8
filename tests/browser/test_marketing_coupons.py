"""Coupons in the marketing console: a coupon campaign made, a batch of codes generated and
downloaded, every code exported as CSV in the reader's language, one coupon looked up."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _rows(download) -> list[list[str]]:
    return list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))


def test_coupon_codes_are_generated_exported_and_looked_up(marketing_console):
    page = marketing_console("max.manager", "/#/coupons")
    form = page.locator("form.coupon-campaign-new")
    form.locator("input[name=id]").fill("SUMMER")
    form.locator("input[name=name]").fill("Летний купон")
    form.locator("input[name=prefix]").fill("78")
    form.locator("input[name=length]").fill("10")
    form.locator("button[type=submit]").click()
    row = page.locator("tr.coupon-campaign", has_text="SUMMER")
    expect(row).to_be_visible()

    row.locator("button.generate").click()
    generate = page.locator("form.generate-form")
    generate.locator("input[name=count]").fill("5")
    generate.locator("button[type=submit]").click()
    expect(page.locator(".dialog .done")).to_contain_text("5")
    with page.expect_download() as batch:
        page.click("button.batch-csv")
    codes = [r[0] for r in _rows(batch.value)[1:]]
    assert len(codes) == 5 and all(c.startswith("78") and len(c) == 10 for c in codes), codes
    page.keyboard.press("Escape")  # closed: the list counts them
    expect(row.locator("td").nth(4)).to_have_text("5")
    screenshot(page, "marketing-coupons")

    with page.expect_download() as every:
        row.locator("button.export-codes").click()
    rows = _rows(every.value)
    assert rows[0] == ["Код", "Партия", "Состояние", "Действует до"], rows[0]
    assert sorted(r[0] for r in rows[1:]) == sorted(codes)
    assert {r[2] for r in rows[1:]} == {"выпущен"}  # the state in words, not "issued"

    lookup = page.locator("form.coupon-lookup")
    lookup.locator("input[name=code]").fill(codes[0])
    lookup.locator("button[type=submit]").click()
    expect(lookup.locator(".facts")).to_contain_text("SUMMER")
    expect(lookup.locator(".facts")).to_contain_text("выпущен")
    lookup.locator("input[name=code]").fill("7800000000")
    lookup.locator("button[type=submit]").click()
    expect(lookup.locator(".error")).to_be_visible()  # an unknown code: said in place
