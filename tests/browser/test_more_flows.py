"""More of the cashier's flows in a real browser: cash out by a cashier without the right (a
supervisor confirms it), a receipt sold while the printer was away and reprinted from F11
when it is back, and a return at one till by scanning the barcode printed on another
till's receipt (two tills and a cash server)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_screen import login, open_shift, rows, scan
from tests.nodes.helpers import http, start_node
from tests.till.helpers import (
    BREAD,
    CASHIER_RIGHTS,
    COFFEE,
    MILK,
    PASSWORD_HASH,
    apply_catalog,
    catalog_body,
    put,
)
from tests.till.test_returns import FAST, _register, _sold_on_server, _start_till
from ukm_actors.hw.emulators import BankTerminalEmulator, NetworkPrinterEmulator
from ukm_actors.supervision.testing import expect as eventually

pytestmark = pytest.mark.slow

TRAINEE = put(
    "cashier",
    code="2",
    name="Сидорова (стажёр)",
    inn=None,
    password_hash=PASSWORD_HASH["1111"],
    rights=[r for r in CASHIER_RIGHTS if r not in ("cash_out",)],
    enabled=True,
)


def test_cash_out_with_a_supervisor_and_a_reprint_after_the_printer_was_away(
    screen_till, open_page
):
    printer = NetworkPrinterEmulator().start()
    port = printer.port
    try:
        node = screen_till(devices={"printer": {"kind": "network", "host": "127.0.0.1",
                                                "port": port, "timeout": 1.0,
                                                "check_interval": 0.2}})  # fmt: skip
        apply_catalog(node, catalog_body([TRAINEE], full=False), seq=2, full=False)
        page = open_page(node.ctx.url + "/")
        login(page, code="2")
        open_shift(page)
        page.keyboard.press("F10")
        page.keyboard.press("3")  # cash in: the trainee may
        page.keyboard.type("1000")
        page.keyboard.press("Enter")
        expect(page.locator("#message")).to_have_class("ok")
        page.keyboard.press("F10")
        page.keyboard.press("4")  # cash out: the trainee may not
        page.keyboard.type("500")
        page.keyboard.press("Enter")
        sup = page.locator(".dialog.supervisor")
        expect(sup).to_be_visible()
        page.keyboard.type("9")
        page.keyboard.press("Enter")
        page.keyboard.type("9999")
        page.keyboard.press("Enter")
        expect(page.locator("#message")).to_contain_text("500.00")
        expect(page.locator("#message")).to_have_class("ok")
        expect(page.locator("#scan")).to_be_focused()
        assert node.client.get("/shift/x-report")["x_report"]["cash_out"] == 50000

        printer.stop()  # the printer goes away; selling goes on
        eventually(lambda: node.client.get("/devices")["devices"]["printer"]["state"] != "running",
                   within=30, what="printer seen away")  # fmt: skip
        scan(page, BREAD)
        expect(rows(page)).to_have_count(1)
        page.keyboard.press("F2")
        page.keyboard.press("F2")
        change = page.locator(".dialog.change")
        expect(change).to_contain_text("принтер")  # saved, not printed: reprint when back
        page.keyboard.press("Enter")
        queued = page.locator("#links button.pill")
        expect(queued).to_contain_text("F11")

        printer = NetworkPrinterEmulator(port=port).start()
        eventually(lambda: node.client.get("/devices")["devices"]["printer"]["state"] == "running",
                   within=40, what="printer back")  # fmt: skip
        page.keyboard.press("F11")
        devices = page.locator(".dialog")
        expect(devices.locator("li")).to_have_count(1)  # the receipt not printed yet
        page.keyboard.press("F2")  # reprint
        expect(page.locator("#message")).to_have_class("ok")
        assert printer.wait_for("Хлеб".encode("cp866"))
        expect(queued).to_have_count(0, timeout=20000)
    finally:
        printer.stop()


@pytest.fixture
def two_tills(tmp_path, make_db_url):
    """A cash server and tills 17-1 and 17-2 on it (the catalog from the server)."""
    server = start_node("server", tmp_path, make_db_url("server"), bridge=dict(FAST))
    nodes = [server]
    bank = BankTerminalEmulator().start()
    try:
        tills = {}
        for node_id, secret in _register(server, ("till-17-1", "till-17-2")).items():
            node, client = _start_till(server, tmp_path, make_db_url, node_id, secret, bank)
            nodes.append(node)
            tills[node_id] = (node, client)
        yield server, tills
    finally:
        bank.stop()
        http.clear()
        for node in reversed(nodes):
            node.stop()


def test_a_return_by_scanning_another_tills_receipt(two_tills, open_page):
    server, tills = two_tills
    _, seller = tills["till-17-1"]
    seller.scan(MILK)
    seller.scan(BREAD)
    sale = seller.pay("cash", 20000)["closed"]
    eventually(lambda: _sold_on_server(server, sale["receipt_id"]), within=30,
               what="the receipt on the server")  # fmt: skip

    node, _ = tills["till-17-2"]
    page = open_page(node.ctx.url + "/")
    expect(page.locator("#shift-info")).to_have_text("Смена 1")
    page.keyboard.press("F9")
    scan(page, sale["receipt_id"])  # the barcode printed on till 1's receipt
    lines = page.locator(".dialog.return-lines")
    expect(lines).to_contain_text("касса 1")
    expect(lines.locator("tr:not(.head)")).to_have_count(2)
    page.keyboard.press("Space")  # tick line 1 (the focus is on its box)
    page.keyboard.press("F2")
    done = page.locator(".dialog.change")
    expect(done.locator(".change-amount")).to_have_text("89.90")
    page.keyboard.press("Enter")
    expect(rows(page)).to_have_count(0)
    expect(page.locator("#scan")).to_be_focused()
    eventually(lambda: _sold_on_server(server, sale["receipt_id"])["returned"].get("1") == 1000,
               within=30, what="the return known to the server")  # fmt: skip


def test_a_line_at_an_additional_price_shows_its_name_everywhere(screen_till, open_page):
    """Coffee sold at the "promo" price reads "Кофе … (Акция)" on the screen (after a reload:
    the name is stored with the line), on the customer display and on the printed receipt,
    never the price type's code."""
    node = screen_till()
    page = open_page(node.ctx.url + "/")
    display = open_page(node.ctx.url + "/display", 800, 480)
    login(page)
    open_shift(page)
    scan(page, COFFEE)
    question = page.locator(".dialog.question")
    page.keyboard.press(question.locator(".btn", has_text="Акция").get_attribute("data-key"))
    name = rows(page).nth(0).locator("td.name")
    expect(name).to_contain_text("(Акция)")
    expect(name).not_to_contain_text("promo")
    expect(display.locator("#line b")).to_contain_text("(Акция)")
    page.reload()  # the till holds the line, its price's name with it
    expect(rows(page).nth(0).locator("td.name")).to_contain_text("(Акция)")
    page.keyboard.press("F2")
    page.keyboard.press("F2")
    expect(page.locator(".dialog.change")).to_contain_text("напечатано")
    page.keyboard.press("Enter")
    printed = node.printer_path.read_bytes()
    assert "(Акция)".encode("cp866") in printed
    assert b"promo" not in printed
