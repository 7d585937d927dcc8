"""Moving on before a page's data arrives: the late answer must not paint the page the user
left over the one they went to (CI once saw the employees page drawn over the audit log)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_a_late_answer_for_a_page_left_does_not_draw_over_the_next(console, world):
    page = console("anna.admin", "/#/dashboard")
    expect(page.locator("#view[data-page=dashboard][data-ready='1']")).to_be_visible()
    held = []
    page.route("**/api/v1/employees", lambda route: held.append(route))  # answered later
    page.goto(world.url + "/#/employees")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the employees page never asked for its data"

    page.goto(world.url + "/#/audit")
    expect(page.locator("#view[data-page=audit][data-ready='1']")).to_be_visible()
    held[0].continue_()  # the employees page's answer arrives now, after the user left it
    page.wait_for_timeout(500)
    expect(page.locator("#view[data-page=audit][data-ready='1']")).to_be_visible()
    expect(page.locator("#view h2", has_text="Сотрудники сервера")).to_have_count(0)
    expect(page.locator("#view tr.entry").first).to_be_visible()
    assert not page.js_errors
