"""A till's and a till type's devices in the cash server's console: an admin turns off the
printer of a till's own file, takes the switch back, adds a network printer (a port that is not
a number refused in the dialog, the values kept as typed; without its host refused by the
server, the message in the dialog as typed), saves, sees the till run it (its /status), reopens
and sees it; a type
gets a scanner, shows it, and loses it again; all from the keyboard where a cashier's manager
would use it."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.world import STORE, wait
from tests.nodes.helpers import http
from ukm_actors.hw.emulators import NetworkPrinterEmulator

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

NUMBER = 6
NODE = f"till-{STORE}-{NUMBER}"


def _reported(world) -> bool:
    status, body = world.admin.call("GET", f"/api/v1/monitoring/tills/{NODE}")
    return status == 200 and "printer" in (body.get("devices") or {})


def _at_till(world, port: int, seen: list) -> dict | None:
    """The till's printer in its /status once it runs the one set from the server (at
    ``port``); each answer is kept in ``seen`` for the failure's message."""
    r = http.request("GET", world.tills[NODE].url + "/status")
    devices = json.loads(r.data).get("devices") or {}
    seen[:] = [devices]
    printer = devices.get("printer") or {}
    if (
        printer.get("source") == "server"
        and printer.get("state") == "running"
        and str(port) in json.dumps(printer.get("driver"))
    ):
        return printer
    return None


def _settings(world, path: str) -> dict:
    return world.admin.ok("GET", f"/api/v1/{path}")


def test_a_tills_devices_are_added_turned_off_and_removed_in_its_dialog(console, world):
    with NetworkPrinterEmulator() as printer:
        world.start_till(NUMBER)
        try:
            wait(lambda: _reported(world), 120, f"{NODE} reports its devices")
            _till_dialog(console, world, printer.port)
        finally:
            world.tills.pop(NODE).terminate()


def _till_dialog(console, world, port: int) -> None:
    page = console("anna.admin", "/#/tills")
    row = page.locator("tr.till", has_text=NODE)
    row.click()
    editor = page.locator("form.till-editor")
    running = editor.locator("table.devices-running tr[data-name=printer]")
    expect(running).to_contain_text("чековый принтер")  # its file's printer, as the till reports it
    expect(editor.locator("table.devices-own")).to_contain_text("Здесь не заданы")

    running.locator("button.turn-off").click()  # the file's printer off, set here
    own = editor.locator("table.devices-own tr.device[data-name=printer]")
    expect(own).to_contain_text("выключено")
    expect(running.locator("button.turn-off")).to_have_count(0)
    own.locator("button.remove-device").click()  # and the switch taken back
    expect(own).to_have_count(0)
    expect(editor.locator("button.add-device")).to_be_focused()

    page.keyboard.press("Enter")  # Add a device, from the keyboard
    device = page.locator("form.device-editor")
    expect(device.locator("select[name=device]")).to_be_focused()
    device.locator("select[name=kind]").select_option("network")
    expect(device.locator("input[name=port]")).to_have_attribute("placeholder", "9100")
    device.locator("input[name=width_chars]").fill("48")
    device.locator("input[name=port]").fill("abc")
    device.locator("input[name=port]").press("Enter")
    expect(device.locator(".error")).to_contain_text("TCP-порт")
    expect(device.locator(".error")).to_contain_text("не целое число")
    expect(device.locator("input[name=port]")).to_have_value("abc")  # kept as typed
    expect(device.locator("input[name=width_chars]")).to_have_value("48")
    device.locator("input[name=port]").fill(str(port))
    device.locator("input[name=port]").press("Enter")
    expect(device).to_have_count(0)
    expect(own).to_contain_text(f"kind=network, port={port}, width_chars=48")
    expect(own.locator("button.change-device")).to_be_focused()

    editor.locator("button[type=submit]").click()  # no host: the server refuses it
    error = editor.locator(".error")
    expect(error).to_contain_text("printer")  # the device and the setting named
    expect(error).to_contain_text("'host'")
    expect(own).to_contain_text(f"port={port}")  # the dialog as typed
    assert "devices" not in _settings(world, f"tills/{NODE}/settings")
    own.locator("button.change-device").click()
    device.locator("input[name=host]").fill("127.0.0.1")
    device.locator("input[name=host]").press("Enter")
    expect(own).to_contain_text(f"kind=network, host=127.0.0.1, port={port}")
    expect(error).to_be_hidden()  # the refusal was about the printer as it was
    screenshot(page, "console-till-devices")
    editor.locator("button[type=submit]").click()
    expect(editor).to_have_count(0)
    assert _settings(world, f"tills/{NODE}/settings")["devices"] == {
        "printer": {"kind": "network", "host": "127.0.0.1", "port": port, "width_chars": 48}
    }

    seen: list = []
    try:
        printer = wait(
            lambda: _at_till(world, port, seen), 120, "the till runs the console's printer"
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}; its /status devices: {seen}") from None
    assert printer["kind"] == "printer", printer

    expect(row).to_contain_text("С сервера: printer")  # the list names the devices set here
    expect(row).not_to_contain_text("[object")
    row.click()  # reopened: the printer is there
    editor = page.locator("form.till-editor")
    own = editor.locator("table.devices-own tr.device[data-name=printer]")
    expect(own).to_contain_text(f"port={port}")
    own.locator("button.change-device").click()
    device = page.locator("form.device-editor")
    expect(device.locator("input[name=port]")).to_have_value(str(port))
    device.locator("input[name=width_chars]").fill("32")
    screenshot(page, "console-till-device")
    device.locator("button[type=submit]").click()
    expect(own).to_contain_text("width_chars=32")
    page.keyboard.press("Escape")  # closed without saving: nothing sent
    expect(editor).to_have_count(0)
    assert _settings(world, f"tills/{NODE}/settings")["devices"]["printer"]["width_chars"] == 48


def test_a_till_types_scanner_is_added_shown_and_removed(console, world):
    page = console("anna.admin", "/#/tills")
    page.click("button.new-till-type")
    editor = page.locator("form.type-editor")
    editor.locator("input[name=id]").fill("SCAN")
    editor.locator("input[name=name]").fill("Касса со сканером")
    editor.locator("button.add-device").click()
    device = page.locator("form.device-editor")
    device.locator("select[name=device]").select_option("scanner")
    expect(device.locator("input[name=name]")).to_have_attribute("placeholder", "scanner")
    expect(device.locator("input[name=baudrate]")).to_have_attribute("placeholder", "9600")
    device.locator("input[name=url]").fill("/dev/ttyACM0")
    device.locator("input[name=baudrate]").fill("115200")
    device.locator("button[type=submit]").click()
    own = editor.locator("table.devices-own tr.device[data-name=scanner]")
    expect(own).to_contain_text("url=/dev/ttyACM0, baudrate=115200")
    editor.locator("button[type=submit]").click()
    kind = page.locator("tr.till-type", has_text="SCAN")
    expect(kind).to_contain_text("scanner")
    types = {x["id"]: x for x in _settings(world, "till-types")["till_types"]}
    assert types["SCAN"]["settings"]["devices"] == {
        "scanner": {"url": "/dev/ttyACM0", "baudrate": 115200}
    }

    page.locator("tr.till", has_text="till-17-1").click()  # a till given the type (not saved)
    editor = page.locator("form.till-editor")
    editor.locator("select[name=type]").select_option("SCAN")
    expect(editor.locator("table.devices-type tr[data-name=scanner]")).to_contain_text(
        "url=/dev/ttyACM0"
    )
    page.keyboard.press("Escape")
    expect(editor).to_have_count(0)

    kind.click()  # reopened: the scanner is there; removed and saved
    editor = page.locator("form.type-editor")
    own = editor.locator("table.devices-own tr.device[data-name=scanner]")
    expect(own).to_contain_text("url=/dev/ttyACM0")
    own.locator("button.remove-device").click()
    expect(own).to_have_count(0)
    editor.locator("button[type=submit]").click()
    expect(editor).to_have_count(0)
    types = {x["id"]: x for x in _settings(world, "till-types")["till_types"]}
    assert "devices" not in types["SCAN"]["settings"]
    world.admin.ok("DELETE", "/api/v1/till-types/SCAN")


# codes and names that read the same in both languages
SAME = {"till", "devices", "USB", "TCP", "ESC", "ATOL", "escpos", "socket", "COM", "vendor",
        "product", "INN", "JSON"}  # fmt: skip
FIELDS = ".dialog form.device-editor label > span, .dialog form.device-editor button"


def _words(page, pattern: str) -> list[str]:
    texts = [t.strip() for t in page.locator(FIELDS).all_inner_texts() if t.strip()]
    return [t for t in texts if [w for w in re.findall(pattern, t) if w not in SAME]]


def test_the_device_dialog_reads_in_one_language(console):
    page = console("anna.admin", "/#/tills")
    for english in (False, True):
        if english:
            page.click("#who .lang")
            expect(page.locator("#who .lang")).to_have_text("RU")
            expect(page.locator("#view[data-page=tills][data-ready='1']")).to_be_visible()
        page.click("button.new-till-type")
        page.click("button.add-device")
        device = page.locator("form.device-editor")
        for kind in ("printer", "scanner", "scales", "display", "bank", "fiscal"):
            device.locator("select[name=device]").select_option(kind)
            if kind == "printer":
                for connection in ("network", "usb", "file"):
                    device.locator("select[name=kind]").select_option(connection)
                    left = _words(page, r"[А-Яа-яЁё]+" if english else r"[A-Za-z]{3,}")
                    assert not left, (english, kind, connection, left)
            left = _words(page, r"[А-Яа-яЁё]+" if english else r"[A-Za-z]{3,}")
            assert not left, (english, kind, left)
        page.keyboard.press("Escape")  # the device's dialog, then the type's
        expect(device).to_have_count(0)
        page.keyboard.press("Escape")
        expect(page.locator("form.type-editor")).to_have_count(0)
    page.click("#who .lang")  # back to Russian for the tests after
