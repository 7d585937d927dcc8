"""Server employees in the console: an admin adds one who then logs in with that role, and
sees failed logins and lifts one (audited)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.console_helpers import gone
from tests.nodes.helpers import http

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_an_employee_made_in_the_console_logs_in_with_that_role(console, open_page, world):
    page = console("anna.admin", "/#/employees")
    form = page.locator("form:has(input[name=login])").last
    form.locator("input[name=login]").fill("olga.manager")
    form.locator("input[name=name]").fill("Ольга Петрова")
    form.locator("select[name=role]").select_option("manager")
    form.locator("input[name=password]").fill("olga-pass-123")
    form.locator("button[type=submit]").click()
    expect(page.locator("td", has_text="olga.manager")).to_be_visible()

    other = open_page(world.url + "/")
    other.fill("input[name=login]", "olga.manager")
    other.fill("input[name=password]", "olga-pass-123")
    other.click("button[type=submit]")
    expect(other.locator("#who .role")).to_have_attribute("data-role", "manager")
    expect(other.locator("#who .name")).to_have_text("Ольга Петрова")


def test_failed_logins_are_shown_and_a_lock_is_lifted(console, world):
    r = http.request("POST", world.url + "/api/v1/login",
                     body=b'{"login": "nobody.here", "password": "wrong-one"}')  # fmt: skip
    assert r.status == 401
    page = console("anna.admin", "/#/employees")
    row = page.locator("tr.login-lock", has_text="nobody.here")
    expect(row).to_contain_text("логин")
    expect(row.locator("td.num")).to_have_text("1")
    screenshot(page, "console-employees")
    row.locator("button.lift").click()
    gone(page, page.locator("tr.login-lock", has_text="nobody.here"))
    page.goto(world.url + "/#/audit?action=login.unlock")
    expect(page.locator("tr.entry", has_text="nobody.here")).to_be_visible()
