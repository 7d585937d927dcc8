"""Every console page in Russian (no English left in its headings, labels, buttons and
navigation) and in English after the language switch (no Russian left there); pictures of
the pages no other test takes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

SERVER = ["dashboard", "catalog", "stores", "restrictions", "cashiers", "tills", "employees",
          "receipts", "shifts", "exchange", "audit"]  # fmt: skip
MARKETING = ["campaigns", "coupons", "certificates", "loyalty", "reports"]
PICTURES = {"stores", "receipts", "shifts"}  # no other test takes them
UI = "#nav a, #view h2, #view h3, #view th, #view button, #view label > span, #view dt, .notice"
# words that are the same in both languages (codes, formats, the language switch)
SAME = {"CSV", "EN", "RU", "XML", "PPCCCCCWWWWWK", "HH", "MM", "RRN", "INN", "ID", "item", "update"}


def _texts(page) -> list[str]:
    return [t.strip() for t in page.locator(UI).all_inner_texts() if t.strip()]


def _english(texts: list[str]) -> list[str]:
    return [t for t in texts if [w for w in re.findall(r"[A-Za-z]{3,}", t) if w not in SAME]]


def _russian(texts: list[str]) -> list[str]:
    return [t for t in texts if re.search(r"[А-Яа-яЁё]", t)]


def _nav_on_one_line(page) -> None:
    """Every page's link fits one line of the navigation at 1366 px (an admin sees them all)."""
    tops = page.locator("#nav a").evaluate_all("links => links.map((a) => a.offsetTop)")
    assert len(set(tops)) == 1, f"the navigation wraps: link tops {tops}"


def _tour(page, base: str, pages: list[str], prefix: str) -> None:
    _nav_on_one_line(page)
    for name in pages:
        page.goto(f"{base}/#/{name}")
        expect(page.locator(f"#view[data-page={name}][data-ready='1']")).to_be_visible()
        left = _english(_texts(page))
        assert not left, (name, left)
        if name in PICTURES:
            screenshot(page, f"{prefix}-{name}")
    page.click("#who .lang")  # to English
    expect(page.locator("#who .lang")).to_have_text("RU")
    _nav_on_one_line(page)
    for name in pages:
        page.goto(f"{base}/#/{name}")
        expect(page.locator(f"#view[data-page={name}][data-ready='1']")).to_be_visible()
        left = _russian(_texts(page))
        assert not left, (name, left)


def test_every_server_console_page_reads_in_one_language(console, world):
    page = console("anna.admin", "/#/dashboard")
    _tour(page, world.url, SERVER, "console")


def test_every_marketing_console_page_reads_in_one_language(marketing_console, world):
    page = marketing_console("max.manager", "/#/campaigns")
    _tour(page, world.marketing.url, MARKETING, "marketing")
