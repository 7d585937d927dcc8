"""A store's exchange folders in the cash server's console (Directories → Stores): an admin
opens the store's integration settings, sets the trade system's folders and gives a till a
queue folder and saves; the admin API returns them, the store's real integration module and a
real till, both taking their folders from the cash server, follow: a file of the trade system
reaches the till through the module, and what both report (the file queued, the file loaded,
a file refused) shows in the dialog. Settings the till would refuse are refused in the dialog
with the values kept; a manager only looks, a viewer has no way in
(tests/browser/test_console_rights.py: the API refuses)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.world import EXAMPLES, FAST, STORE, _db_url, node, wait
from tests.integration_module.conftest import drop
from tests.nodes.helpers import NodeProcess, get_json
from ukm_actors.bridge.peers import register_peer
from ukm_actors.db import Database

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

NUMBER = 7
NODE = f"till-{STORE}-{NUMBER}"
MODULE = f"integration-{STORE}"
PATH = f"/api/v1/stores/{STORE}/integration"
TAXES = "taxes_[12]_[F].xml"
BROKEN = "updateItems_[13]_[I].xml"


def _exchange(world) -> dict:
    code, body = get_json(world.tills[NODE].url + "/status")
    return (body or {}).get("exchange") or {} if code == 200 else {}


def _module_till(module: NodeProcess) -> dict:
    code, body = get_json(module.url + "/status")
    tills = (body or {}).get("integration", {}).get("tills", {}) if code == 200 else {}
    return dict(tills.get(NODE) or {})


def _start_module(world) -> NodeProcess:
    """The store's integration module, registered on the cash server; no folder of its own."""
    db = Database(_db_url(world.server))
    try:
        with db.write() as s:
            secret = register_peer(s, MODULE, "integration", store=STORE)
    finally:
        db.dispose()
    return node(
        world.tmp,
        "integration",
        MODULE,
        None,
        bridge={**FAST, "server_url": world.url, "secret": secret},
        integration={"store": STORE, "settle": 0, "poll": 0.1, "settings_refresh": 0.5},
    ).start()


def _open(page):
    page.wait_for_selector("#view[data-page=stores][data-ready='1']")
    page.locator("tr.store", has_text=STORE).first.locator("button.integration").click()
    form = page.locator("form.integration-editor")
    expect(form).to_be_visible()
    return form


def test_an_admin_sets_the_stores_folders_and_the_module_and_till_follow(console, world):
    # neither names a folder in its file: both ask the cash server for them
    world.start_till(NUMBER, settings_refresh=0.5, exchange_settle=0, exchange_poll=0.2)
    module = _start_module(world)
    queue, sales = world.tmp / f"{NODE}-in", world.tmp / f"{NODE}-out"
    trade_out, trade_in = world.tmp / "trade-out", world.tmp / "trade-in"
    trade_out.mkdir()
    try:
        page = console("anna.admin", "/#/stores", height=1200)  # the whole dialog, pictured
        form = _open(page)
        expect(form.locator(":focus")).to_have_attribute("name", "catalog_source")  # keyboard
        form.locator("select[name=catalog_source]").select_option("both")
        form.locator("input[name=source_dir]").fill(str(trade_out))
        form.locator("input[name=sales_dir]").fill(str(trade_in))
        row = form.locator(f"tr.till-folders[data-number='{NUMBER}']")
        row.locator("input[name=folder]").fill(str(queue))
        row.locator("input[name=sales_folder]").fill(str(queue))  # its own sales: refused
        page.keyboard.press("Enter")
        error = form.locator(".error")
        expect(error).to_be_visible()
        expect(error).to_contain_text(str(queue))
        expect(row.locator("input[name=sales_folder]")).to_have_value(str(queue))  # kept
        assert world.admin is not None
        assert world.admin.ok("GET", PATH)["catalog_source"] == "server"  # nothing saved

        row.locator("input[name=sales_folder]").fill(str(sales))
        form.locator("button[type=submit]").click()
        expect(form).to_have_count(0)
        got = world.admin.ok("GET", PATH)
        till = next(t for t in got["tills"] if t["number"] == NUMBER)
        assert (got["catalog_source"], got["source_dir"], got["sales_dir"]) == (
            "both",
            str(trade_out),
            str(trade_in),
        )
        assert (till["folder"], till["sales_folder"]) == (str(queue), str(sales))
        wait(lambda: _exchange(world).get("folder") == str(queue), 120, "the till's new folder")
        assert _exchange(world)["sales_folder"] == str(sales)
        wait(lambda: _module_till(module).get("folder") == str(queue), 120, "the module's")

        def reported(text: str, where: str = "tr.till-report") -> bool:
            page.keyboard.press("Escape")  # reopened: what the module and tills report now
            report = _open(page).locator(where, has_text=NODE)
            return report.count() == 1 and text in report.inner_text()

        wait(lambda: reported(str(queue)), 60, "the till's report of its new folder")
        form = page.locator("form.integration-editor")
        report = form.locator("tr.till-report", has_text=NODE)
        expect(report).to_contain_text(str(sales))
        expect(report.locator(".pill.online")).to_be_visible()
        folder = form.locator(f"tr.till-folders[data-number='{NUMBER}'] input[name=folder]")
        expect(folder).to_have_value(str(queue))

        # a file of the trade system reaches the till through the module, then one it refuses
        drop(trade_out, TAXES, (EXAMPLES / TAXES).read_bytes())
        first = f"000001_{TAXES}"
        wait(lambda: reported(first, "table.module-tills tr"), 60, "the module's report")
        wait(lambda: reported(first), 60, "the file loaded, in the till's report")
        drop(trade_out, BROKEN, b"<updateItems><item></updateItems>")
        wait(lambda: reported(f"000002_{BROKEN}"), 60, "the refused file, reported")
        form = page.locator("form.integration-editor")
        expect(form.locator("tr.till-report.bad", has_text=NODE)).to_contain_text(BROKEN)
        expect(form.locator("dl.module-report")).to_contain_text(MODULE)
        screenshot(page, "console-store-integration")
        page.keyboard.press("Escape")
        expect(form).to_have_count(0)

        manager = console("max.manager", "/#/stores")  # a manager looks, changes nothing
        form = _open(manager)
        expect(form.locator("[data-readonly]")).to_be_visible()
        assert not form.locator("button[type=submit]").count()
        expect(form.locator("select[name=catalog_source]")).to_be_disabled()
        status, answer = world.api("max.manager").call("PUT", PATH, {"catalog_source": "server"})
        assert status == 403, answer
    finally:  # the shared world's store as it was: its tills take the server's catalog
        assert world.admin is not None
        world.admin.ok(
            "PUT",
            PATH,
            {
                "catalog_source": "server",
                "source_dir": "",
                "sales_dir": "",
                "tills": {str(NUMBER): {"folder": "", "sales_folder": ""}},
            },
        )
        module.terminate()
        world.tills.pop(NODE).terminate()


def test_the_dialog_reads_in_russian_and_in_english(console):
    """Opened from the keyboard (a store's row, Enter); its headings, labels, column titles
    and buttons in one language each (data aside)."""
    from tests.browser.test_console_language import _english, _russian

    texts = ".dialog h3, .dialog th, .dialog label > span, .dialog dt, .dialog button.primary, " \
            ".dialog p.muted, .dialog option"  # fmt: skip
    page = console("anna.admin", "/#/stores")
    page.wait_for_selector("#view[data-page=stores][data-ready='1']")
    page.locator("tr.store", has_text=STORE).first.focus()  # the keyboard opens it too
    page.keyboard.press("Enter")
    form = page.locator("form.integration-editor")
    expect(form.locator("button[type=submit]")).to_have_text("Сохранить")
    left = _english([t for t in page.locator(texts).all_inner_texts() if t.strip()])
    assert not left, left
    page.keyboard.press("Escape")
    page.click("#who .lang")  # to English
    expect(page.locator("#who .lang")).to_have_text("RU")
    form = _open(page)
    expect(form.locator("button[type=submit]")).to_have_text("Save")
    left = _russian([t for t in page.locator(texts).all_inner_texts() if t.strip()])
    assert not left, left
