"""The cash server goes away mid-shift: the screen says so calmly, selling goes on, receipts
wait to be sent, and everything clears when the server is back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_screen import login, open_shift, rows, scan
from tests.nodes.helpers import start_node
from tests.till.helpers import MILK, base_records, catalog_body
from ukm_actors.bridge import outbox
from ukm_actors.bridge.documents import channel_name
from ukm_actors.bridge.peers import register_peer
from ukm_actors.codecs import catalogdoc
from ukm_actors.supervision.testing import expect as eventually

pytestmark = pytest.mark.slow

FAST = {"retry_initial": 0.05, "retry_maximum": 0.3, "poll_wait": 2.0, "poll_recheck": 0.2}


def test_the_server_goes_away_mid_shift_and_comes_back(
    tmp_path, make_db_url, screen_till, open_page
):
    server_db = make_db_url("server")
    server = start_node("server", tmp_path, server_db, bridge=dict(FAST))
    try:
        with server.ctx.db.write() as s:
            secret = register_peer(s, "till-17-1", "till", store="17")
            outbox.put(
                s,
                channel_name("server", "till-17-1"),
                catalogdoc.FULL,
                catalog_body(base_records()),
            )
        till = screen_till(bridge={"server_url": server.ctx.url, "secret": secret, **FAST})
        eventually(lambda: till.ctx.services.catalog.item("100") is not None, within=30)
        page = open_page(till.ctx.url + "/")
        login(page)
        open_shift(page)
        pill = page.locator('[data-link="server"]')
        expect(pill).to_have_class("pill online", timeout=20000)

        port = int(server.ctx.url.rsplit(":", 1)[1])
        server.stop()
        expect(pill).to_have_class("pill offline", timeout=15000)
        expect(pill).to_contain_text("продажи идут")
        scan(page, MILK)  # selling goes on
        expect(rows(page)).to_have_count(1)
        page.keyboard.press("F2")
        page.keyboard.press("F2")
        expect(page.locator(".dialog.change")).to_be_visible()
        page.keyboard.press("Enter")
        expect(page.locator('[data-link="outbox"]')).to_be_visible(timeout=20000)

        server = start_node("server", tmp_path, server_db, bridge=dict(FAST), http={"port": port})
        expect(pill).to_have_class("pill online", timeout=20000)
        expect(page.locator('[data-link="outbox"]')).to_be_hidden(timeout=20000)
    finally:
        server.stop()
