"""The cash server's ``devices`` setting at the till: merged over the file's devices, applied
between receipts (never with a receipt open, never under a card payment), refused when
unusable, removed when the server says so."""

from __future__ import annotations

import threading

import gevent

from tests.nodes.helpers import get_json
from tests.till.helpers import BREAD, MILK, apply_catalog, catalog_body
from ukm_actors.codecs.catalogdoc import CatalogRecord
from ukm_actors.hw.emulators import Approve, BankTerminalEmulator
from ukm_actors.nodes.till.sale.proxies import Proxies
from ukm_actors.supervision.testing import expect


class Pusher:
    """Sends the till its ``devices`` setting as catalog deltas, as the cash server does."""

    def __init__(self, node) -> None:
        self.node, self.seq = node, 1

    def __call__(self, devices) -> None:
        self.seq += 1
        record = (
            CatalogRecord("del", "settings", {"key": "devices"})
            if devices is None
            else CatalogRecord("put", "settings", {"key": "devices", "value": devices})
        )
        apply_catalog(self.node, catalog_body([record], full=False), seq=self.seq, full=False)


def status(node) -> dict:
    return get_json(node.ctx.url + "/status")[1]["devices"]


def printed(path) -> str:
    return path.read_bytes().decode("cp866", errors="replace") if path.exists() else ""


def sell(till, barcode=MILK) -> dict:
    till.scan(barcode)
    return till.pay("cash", 10000)


def test_a_printer_from_the_server_prints_the_next_receipt_and_goes_when_removed(
    start_till, tmp_path
):
    own, pushed = tmp_path / "own.prn", tmp_path / "pushed.prn"
    node, till = start_till(devices={"printer": {"kind": "file", "path": str(own)}})
    push = Pusher(node)
    till.login()
    till.post("/shift/open")
    assert status(node)["printer"]["source"] == "file"
    assert status(node)["settings"] == {
        "server": False, "refused": None, "pending": None, "applied_at": None}  # fmt: skip

    push({"printer": {"kind": "file", "path": str(pushed)}})
    expect(lambda: status(node)["printer"]["source"] == "server", what="the server's printer")
    expect(lambda: status(node)["printer"]["state"] == "running", what="it runs")
    assert str(pushed) in status(node)["printer"]["driver"]["device"]
    assert status(node)["settings"]["server"] is True
    sell(till)
    expect(lambda: "Молоко" in printed(pushed), what="the receipt on the new printer")
    assert "Молоко" not in printed(own)

    push({"printer": {"enabled": False}})  # the file's printer is turned off too
    expect(lambda: "printer" not in status(node), what="no printer")
    out = sell(till, BREAD)
    assert out["closed"] is not None  # the sale goes on without a printer

    push(None)  # the setting deleted: the file's printer is back
    expect(lambda: status(node).get("printer", {}).get("source") == "file", what="own printer")
    expect(lambda: status(node)["printer"]["state"] == "running", what="it runs")
    sell(till)
    expect(lambda: "Молоко" in printed(own), what="the receipt on the file's printer")


def test_a_change_waits_while_a_receipt_is_open(start_till, tmp_path):
    first, second = tmp_path / "first.prn", tmp_path / "second.prn"
    node, till = start_till(devices={"printer": {"kind": "file", "path": str(first)}})
    push = Pusher(node)
    till.login()
    till.post("/shift/open")
    till.scan(MILK)
    push({"printer": {"kind": "file", "path": str(second)}})

    def waiting():
        pending = status(node)["settings"]["pending"]
        return pending if pending and pending["waits_for"] else None

    pending = expect(waiting, what="the change pending")
    assert pending["changes"] == {"printer": "replace"}
    assert "receipt" in pending["waits_for"] and "open" in pending["waits_for"]
    # The cash server gets the reason translatable (its console shows it in Russian).
    from ukm_actors.i18n import translate, unwire_all
    from ukm_actors.nodes.till.reporting import device_settings_state

    full = node.ctx.services.devices.settings.to_json()
    sent = unwire_all(device_settings_state(full))["pending"]["waits_for"]
    assert "чек" in translate(sent, "ru"), translate(sent, "ru")
    assert status(node)["printer"]["source"] == "file"
    till.scan(BREAD)  # the receipt goes on as it was
    out = till.pay("cash", 20000)
    assert out["closed"] is not None
    expect(lambda: status(node)["settings"]["pending"] is None, what="applied after the receipt")
    expect(lambda: status(node)["printer"]["source"] == "server", what="the new printer")
    expect(lambda: "Молоко" in printed(first), what="the open receipt printed as before")
    sell(till, BREAD)
    expect(lambda: "Хлеб" in printed(second), what="the next receipt on the new printer")


def test_a_card_payment_in_progress_finishes_on_the_old_terminal(start_till):
    with BankTerminalEmulator() as old, BankTerminalEmulator() as new:
        node, till = start_till(devices={"bank": {"url": old.url, "check_interval": 0}})
        push = Pusher(node)
        till.login()
        till.post("/shift/open")
        till.scan(MILK)
        pin = threading.Event()
        old.script(Approve(when=pin))
        paying = gevent.spawn(
            till.call, "POST", "/receipt/payments", {"type": "card", "amount": 8990}
        )
        assert old.wait_pending("17-1-1-1", timeout=20)
        push({"bank": {"url": new.url, "check_interval": 0}})
        pending = expect(
            lambda: (status(node)["settings"]["pending"] or {}).get("waits_for"),
            what="the change waiting for the payment",
        )
        assert "busy with a payment" in pending or "receipt" in pending, pending
        assert status(node)["bank"]["source"] == "file"
        pin.set()
        code, out = paying.get(timeout=30)
        assert code == 200 and out["closed"] is not None, out
        assert [e.amount for e in old.ledger()] == [8990]
        expect(lambda: status(node)["bank"]["source"] == "server", what="the new terminal")
        expect(lambda: status(node)["bank"]["state"] == "running", what="it runs")
        till.scan(BREAD)
        out = till.pay("card", 4500)
        assert out["closed"] is not None
        assert [e.amount for e in new.ledger()] == [4500]
        assert [e.amount for e in old.ledger()] == [8990]


def test_an_unusable_value_changes_nothing_and_shows_why(start_till, tmp_path):
    own = tmp_path / "own.prn"
    node, till = start_till(devices={"printer": {"kind": "file", "path": str(own)}})
    push = Pusher(node)
    push({"receipt": {"device": "printer", "kind": "dummy"}})  # a second printer
    refused = expect(lambda: status(node)["settings"]["refused"], what="refused")
    assert "a second printer" in refused
    assert status(node)["printer"]["source"] == "file"
    assert status(node)["printer"]["state"] == "running"
    assert "receipt" not in status(node)
    push({"printer": {"kind": "laser"}})
    expect(lambda: "'kind'" in (status(node)["settings"]["refused"] or ""), what="refused")
    push({"printer": {"kind": "file", "path": str(tmp_path / "ok.prn")}})  # a good one again
    expect(lambda: status(node)["printer"]["source"] == "server", what="applied")
    assert status(node)["settings"]["refused"] is None


def test_devices_can_be_added_to_a_till_that_has_none(start_till, tmp_path):
    path = tmp_path / "added.prn"
    node, till = start_till()
    assert status(node)["settings"]["pending"] is None
    Pusher(node)({"printer": {"kind": "file", "path": str(path)}})
    expect(lambda: status(node).get("printer", {}).get("state") == "running", what="added")
    till.login()
    till.post("/shift/open")
    sell(till)
    expect(lambda: "Молоко" in printed(path), what="printed on the added printer")


def test_no_receipt_opens_while_the_devices_change(start_till):
    node, till = start_till()
    till.login()
    till.post("/shift/open")
    sale = Proxies(node.ctx.names).sale()
    assert sale.hold(60.0).get(timeout=5) is None  # what the device change does between receipts
    code, err = till.fail("POST", "/receipt/lines", {"barcode": MILK})
    assert (code, err["code"]) == (503, "till.devices_changing"), err
    assert "repeat" in err["message"]
    sale.release().get(timeout=5)
    till.scan(MILK)
    number = till.receipt()["number"]
    assert sale.hold(60.0).get(timeout=5) == f"receipt {number} is open"
    till.pay("cash", 10000)
    expect(lambda: sale.hold(60.0).get(timeout=5) is None, what="held once printed")
    sale.release().get(timeout=5)


def test_a_register_busy_with_a_cash_in_is_changed_after_it(fiscal_till, register):
    node, till = fiscal_till(timeout=20.0)
    till.post("/shift/open")
    register.control({"hold": True})  # the register takes the task, its answer waits
    cash_in = gevent.spawn(till.call, "POST", "/cash/in", {"amount": 50000})
    expect(lambda: node.ctx.services.fiscal.progress.what, what="the cash in at the register")
    Pusher(node)({"fiscal": {"url": register.url, "timeout": 20.0, "poll": 0.02}})
    waits = expect(
        lambda: (status(node)["settings"]["pending"] or {}).get("waits_for"),
        what="the change waiting for the register",
    )
    assert "fiscal register is busy" in waits, waits
    assert status(node)["fiscal"]["source"] == "file"
    register.release()
    code, out = cash_in.get(timeout=30)
    assert code == 200, out
    expect(lambda: status(node)["fiscal"]["source"] == "server", what="the register changed")
    expect(lambda: status(node)["fiscal"]["state"] == "running", what="it runs")
    assert till.post("/cash/in", {"amount": 1000})["cash_move"]["number"] == 2


def test_a_device_in_force_without_its_actor_is_started_again(start_till, tmp_path):
    path = tmp_path / "own.prn"
    node, till = start_till(devices={"printer": {"kind": "file", "path": str(path)}})
    node.ctx.names.proxy("devices").stop_child("printer").get(timeout=20)  # a change cut short
    assert "printer" not in node.ctx.names.proxy("devices").children().get(timeout=5)
    Pusher(node)({"printer": {"kind": "file", "path": str(path)}})  # the same printer
    expect(lambda: status(node)["printer"]["state"] == "running", what="the printer back")
    assert status(node)["printer"]["source"] == "server"
