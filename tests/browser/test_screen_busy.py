"""The cashier's screen when the till cannot write a scanned line in time (a catalog being
applied holds SQLite's one writer): the refusal's words on the screen, nothing added,
and the next scan sells."""

from __future__ import annotations

import gevent
import gevent.event
import pytest
from playwright.sync_api import expect

from tests.browser.test_screen import login, open_shift, rows, scan
from tests.till.helpers import BREAD, MILK
from ukm_actors.nodes.till.sale import busy

pytestmark = pytest.mark.slow


def test_a_scan_while_the_catalog_is_updated_is_refused_in_words(
    screen_till, open_page, monkeypatch
):
    node = screen_till()
    if node.ctx.db.dialect != "sqlite":
        pytest.skip("SQLite only: on PostgreSQL the sale writes beside the catalog")
    monkeypatch.setattr(busy, "LINE_WAIT", 0.5)
    page = open_page(node.ctx.url + "/")
    login(page)
    open_shift(page)
    scan(page, MILK)
    expect(rows(page)).to_have_count(1)

    holding, release = gevent.event.Event(), gevent.event.Event()

    def catalog_apply() -> None:  # what the catalog's switch looks like to the sale
        with node.ctx.db.write(), node.ctx.services.catalog.applying():
            holding.set()
            release.wait()

    writer = gevent.spawn(catalog_apply)
    try:
        assert holding.wait(timeout=10)
        scan(page, BREAD)
        message = page.locator("#message")
        expect(message).to_contain_text("каталог обновляется; повторите")
        expect(message).to_contain_text("ничего не добавлено")
        expect(rows(page)).to_have_count(1)
    finally:
        release.set()
        writer.get(timeout=10)
    scan(page, BREAD)
    expect(rows(page)).to_have_count(2)
