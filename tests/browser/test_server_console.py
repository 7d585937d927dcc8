"""The cash server's console in a real browser against real nodes (tests/browser/world.py):
logins of each role, the dashboard watching a till go offline and come back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
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
    expect(row.locator(".pill.offline")).to_be_visible(timeout=20000)
    expect(page.locator("#alerts")).to_contain_text(TILL, timeout=20000)
    till.start()
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
