"""The dashboard's alerts in the reader's language: a refused import file is an alert with
when it started and a way to its report."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.world import wait

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

BAD = "storeSellers_[17]_[99]_[I].xml"


def test_a_refused_import_file_is_an_alert_on_the_dashboard(console, world):
    part = world.inbox / ".sellers.part"
    part.write_text('<?xml version="1.0"?><storeSellers fullness="I"><seller><code>', "utf-8")
    part.rename(world.inbox / BAD)
    wait(lambda: not (world.inbox / BAD).exists(), 30, "the bad file was taken")
    page = console("vera.viewer", "/#/dashboard")
    row = page.locator("#alerts tr.alert.import-failed", has_text=BAD)
    expect(row).to_be_visible(timeout=20000)
    expect(row.locator(".pill")).to_have_text("Загрузка отвергнута")
    expect(row).to_contain_text(f"файл {BAD} отвергнут")
    assert "was refused" not in row.inner_text()  # the server's English stays in the tooltip
    assert row.locator("td").first.inner_text().startswith("20")  # when it started
    screenshot(page, "console-dashboard-alert")
    row.locator("a", has_text="отчёт").click()
    expect(page.locator("tr.import", has_text=BAD).locator(".pill.bad")).to_be_visible()
