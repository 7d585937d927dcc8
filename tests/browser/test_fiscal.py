"""The fiscal register on the cashier screen (the register emulator over its real protocol):
"registering…" while the register works, its refusal (paper out) with the till's words and
hint, the receipt kept open and paid, and "register again" once the paper is in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_screen import login, open_shift, rows, scan
from tests.till.helpers import CASHIER_RIGHTS, MILK, PASSWORD_HASH, apply_catalog, catalog_body, put
from ukm_actors.hw.emulators.fiscal import FiscalRegisterEmulator
from ukm_actors.supervision.testing import expect as eventually

pytestmark = pytest.mark.slow


def test_paper_out_on_the_register_then_registered_again(screen_till, open_page, tmp_path):
    with FiscalRegisterEmulator(state_path=tmp_path / "register.json") as register:
        node = screen_till(devices={"fiscal": {"url": register.url, "timeout": 5, "poll": 0.01}})
        eventually(lambda: node.ctx.services.devices.ref("fiscal"), what="register up")
        page = open_page(node.ctx.url + "/", 1920, 1080)
        login(page)
        open_shift(page)
        scan(page, MILK)
        expect(rows(page)).to_have_count(1)

        register.control({"paper": False, "delay": 1.5})
        page.keyboard.press("F2")
        page.keyboard.press("Control+A")
        page.keyboard.type("100")
        page.keyboard.press("F2")
        expect(page.locator("#message.registering")).to_contain_text("регистрирует чек")
        refusal = page.locator(".dialog.fiscal")
        expect(refusal).to_contain_text("бумаг", timeout=20000)  # the till's words and hint
        screenshot(page, "screen-fiscal-refusal-1920")
        page.keyboard.press("Escape")  # later: the receipt stays open, paid, with the action
        expect(page.locator("#due")).to_have_text("0.00")
        expect(page.locator("#change")).to_have_text("10.10")  # owed already: shown
        side = page.locator('#extras [data-fiscal="fiscal.paper_out"]')
        expect(side).to_be_visible()
        expect(page.locator('#receipt-head [data-fiscal="fiscal.paper_out"]')).to_be_visible()
        assert register.receipts() == []

        register.control({"paper": True, "delay": 0})
        side.click()  # the button beside the lines opens it again
        page.keyboard.press("Enter")  # register again
        change = page.locator(".dialog.change")
        expect(change.locator(".change-amount")).to_have_text("10.10")
        expect(change.locator(".fiscal-done")).to_contain_text("ФД 2")
        page.keyboard.press("Enter")
        expect(rows(page)).to_have_count(0)
        expect(page.locator("#scan")).to_be_focused()
        assert len(register.receipts()) == 1


TRAINEE = put(
    "cashier",
    code="2",
    name="Сидорова (стажёр)",
    inn=None,
    password_hash=PASSWORD_HASH["1111"],
    rights=[r for r in CASHIER_RIGHTS if r != "close_shift"],
    enabled=True,
)


def test_a_register_shift_over_24_hours_registers_the_receipt_in_a_new_one(
    screen_till, open_page, tmp_path
):
    """The register's shift went over 24 h with the receipt paid: the refusal's dialog offers
    the one action that helps (close the register's shift, register in a new one); the
    trainee lacks close_shift, so a supervisor confirms it (docs/till-api.md)."""
    with FiscalRegisterEmulator(state_path=tmp_path / "register.json") as register:
        node = screen_till(devices={"fiscal": {"url": register.url, "timeout": 5, "poll": 0.01}})
        apply_catalog(node, catalog_body([TRAINEE], full=False), seq=2, full=False)
        eventually(lambda: node.ctx.services.devices.ref("fiscal"), what="register up")
        page = open_page(node.ctx.url + "/")
        login(page, code="2")
        open_shift(page)
        scan(page, MILK)
        expect(rows(page)).to_have_count(1)

        register.control({"shift_age_hours": 25})  # the register's shift ran out meanwhile
        page.keyboard.press("F2")
        page.keyboard.press("F2")
        refusal = page.locator(".dialog.fiscal.new-shift")
        expect(refusal).to_contain_text("новой смене")  # the action, not "register again"
        expect(refusal.locator(".btn.primary")).to_contain_text("в новой смене регистратора")
        screenshot(page, "screen-fiscal-new-shift-1024")
        page.keyboard.press("Enter")
        sup = page.locator(".dialog.supervisor")
        expect(sup).to_contain_text("закрытие смены")  # the right the trainee lacks
        page.keyboard.type("9")
        page.keyboard.press("Enter")
        page.keyboard.type("9999")
        page.keyboard.press("Enter")
        change = page.locator(".dialog.change")
        expect(change.locator(".change-amount")).to_have_text("0.00")
        expect(change.locator(".fiscal-done")).to_contain_text("смена ККТ 2")
        page.keyboard.press("Enter")
        expect(rows(page)).to_have_count(0)
        expect(page.locator("#shift-info")).to_have_text("Смена 1")  # the till's shift stays
        journal = [j["type"] for j in register.journal]
        assert journal[-3:] == ["closeShift", "openShift", "sell"]
        assert len(register.receipts()) == 1


def test_a_cash_out_the_register_did_before_a_lost_answer_says_so_when_asked_again(
    screen_till, open_page, tmp_path
):
    """The register took the cash out but its answer was lost (fiscal.unknown): the cashier
    asks again, the till answers with the move it recorded once and a notice, and the
    cash-move dialog's result shows that notice (docs/till-api.md)."""
    with FiscalRegisterEmulator(state_path=tmp_path / "register.json") as register:
        node = screen_till(devices={"fiscal": {"url": register.url, "timeout": 0.5, "poll": 0.01}})
        eventually(lambda: node.ctx.services.devices.ref("fiscal"), what="register up")
        page = open_page(node.ctx.url + "/")
        login(page)
        open_shift(page)

        def cash(key: str, amount: str) -> None:
            page.keyboard.press("F10")
            page.keyboard.press(key)  # 3: cash in, 4: cash out
            page.keyboard.type(amount)
            page.keyboard.press("Enter")

        cash("3", "500")
        expect(page.locator("#message")).to_have_class("ok")
        register.control({"hold": True})  # it does the move, its answer comes too late
        cash("4", "100")
        expect(page.locator("#message.error")).to_contain_text("не повторяйте")
        register.release()
        cash("4", "100")
        result = page.locator(".dialog.cash-result")
        expect(result).to_contain_text("Изъятие: 100.00")
        expect(result.locator(".notice")).to_contain_text("уже выполнил")
        screenshot(page, "screen-cash-notice-1024")
        page.keyboard.press("Enter")
        expect(page.locator("#overlay")).to_be_hidden()
        expect(page.locator("#message")).to_have_class("ok")
        expect(page.locator("#scan")).to_be_focused()
        assert node.client.get("/shift/x-report")["x_report"]["cash_out"] == 10000, "once"
