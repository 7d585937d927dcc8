"""Tills in the cash server's console: an admin registers a till (its secret shown once), a
real till started with that secret comes online in the list, its settings edited in the console
reach it, so do the settings of the till type it is given (its own winning), the whole catalog
is sent again, and a new secret is shown once."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.world import STORE, wait
from tests.nodes.helpers import http

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

NUMBER = 5
NODE = f"till-{STORE}-{NUMBER}"


def _ui(world) -> dict:
    r = http.request("GET", world.tills[NODE].url + "/api/v1/ui")
    return json.loads(r.data) if r.status == 200 else {}


def test_a_till_registered_in_the_console_comes_online_and_takes_its_settings(console, world):
    page = console("anna.admin", "/#/tills")
    page.click("button.register-till")
    form = page.locator("form.register-form")
    form.locator("select[name=store]").select_option(STORE)
    form.locator("input[name=number]").fill(str(NUMBER))
    form.locator("button[type=submit]").click()
    secret_box = page.locator("pre.till-secret")
    expect(secret_box).to_be_visible()
    secret = re.search(r'secret = "([^"]+)"', secret_box.inner_text()).group(1)
    screenshot(page, "console-till-registered")
    page.keyboard.press("Escape")

    world.start_till(NUMBER, secret=secret)  # a real till with the secret the console showed
    row = page.locator("tr.till", has_text=NODE)

    def online() -> int:
        page.reload()
        page.wait_for_selector("#view[data-page=tills][data-ready='1']")
        return row.locator(".pill.online").count()

    wait(online, 60, "the till is online")

    row.click()
    editor = page.locator("form.till-editor")
    editor.locator("textarea[name=header]").fill("ООО «Ромашка»\nИНН 7701234567")
    editor.locator("textarea[name=footer]").fill("Спасибо за покупку!")
    editor.locator("select[name=mode]").select_option("touch")
    editor.locator("input[name=weight_prefixes]").fill("22-23")
    screenshot(page, "console-till-settings")
    editor.locator("button[type=submit]").click()
    expect(row).to_contain_text("ООО «Ромашка» / ИНН 7701234567")
    expect(row).to_contain_text("сенсорный")
    wait(lambda: _ui(world).get("mode") == "touch", 60, "the till takes the touch screen")

    page.click("button.new-till-type")  # a type: settings its tills share
    editor = page.locator("form.type-editor")
    editor.locator("input[name=id]").fill("EXPRESS")
    editor.locator("input[name=name]").fill("Экспресс-касса")
    editor.locator("textarea[name=footer]").fill("Касса экспресс: до 10 товаров")
    editor.locator("select[name=language]").select_option("en")
    editor.locator("button[type=submit]").click()
    expect(page.locator("tr.till-type", has_text="EXPRESS")).to_be_visible()
    row.click()
    page.locator("form.till-editor select[name=type]").select_option("EXPRESS")
    page.locator("form.till-editor textarea[name=footer]").fill("")  # the type's footer, then
    page.locator("form.till-editor button[type=submit]").click()
    expect(row).to_contain_text("EXPRESS")
    expect(row).to_contain_text("Касса экспресс: до 10 товаров")
    expect(row).to_contain_text("ООО «Ромашка»")  # its own header stays
    wait(lambda: _ui(world).get("language") == "en", 60, "the till takes its type's language")
    assert _ui(world).get("mode") == "touch"  # and keeps its own screen mode
    expect(page.locator("tr.till-type", has_text="EXPRESS")).to_contain_text(NODE)
    screenshot(page, "console-tills")

    row.click()
    page.click("button.resync")
    expect(page.locator(".till-actions-result .done")).to_contain_text(NODE)
    page.once("dialog", lambda d: d.accept())
    page.click("button.new-secret")
    expect(secret_box).to_be_visible()
    assert secret not in secret_box.inner_text()  # a new one, shown once
    world.tills.pop(NODE).terminate()  # cut off by the new secret: done with it
