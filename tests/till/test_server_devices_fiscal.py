"""The fiscal register is never changed while a request sent to it has no known outcome.

Only the register that was sent a request can tell what became of it (``outcome``); a new
register does not know the request, and the till's fall-back (the register's last document)
would take the receipt as not registered and register it again on the new register, or
lose it. So a change of the ``fiscal`` device waits, shown in ``/status`` with what to do,
until the till has resolved those requests on the register in use (docs/devices.md)."""

from __future__ import annotations

from tests.nodes.helpers import get_json
from tests.till.helpers import MILK
from tests.till.test_server_devices import Pusher, status
from ukm_actors.hw.emulators import FiscalRegisterEmulator
from ukm_actors.supervision.testing import expect


def waiting(node) -> dict | None:
    pending = status(node)["settings"]["pending"]
    return pending if pending and pending["waits_for"] else None


def fiscal_status(node) -> dict:
    return get_json(node.ctx.url + "/status")[1]["fiscal"]


def test_a_receipt_with_an_unknown_outcome_keeps_the_register_until_resolved(
    fiscal_till, register, tmp_path
):
    with FiscalRegisterEmulator(state_path=tmp_path / "new.json") as new:
        node, till = fiscal_till(timeout=0.5)
        till.post("/shift/open")
        register.control({"hold": True})  # it registers the receipt; its answer is held back
        till.scan(MILK)
        out = till.pay("cash", 10000)
        assert out["closed"] is None and out["fiscal_error"]["code"] == "fiscal.unknown"
        assert fiscal_status(node)["pending_requests"] == 1

        Pusher(node)({"fiscal": {"url": new.url, "timeout": 0.5, "poll": 0.01}})
        pending = expect(lambda: waiting(node), what="the change waiting")
        assert pending["changes"] == {"fiscal": "replace"}
        assert pending["waits_for"] == (
            "fiscal requests without a known outcome on the register in use: 1"
        ), pending
        assert "register again" in pending["hint"]
        assert status(node)["fiscal"]["source"] == "file"

        register.release()  # the old register answers again
        again = till.post("/receipt/register")
        assert again["closed"]["fiscal"]["fd"] == 2
        expect(lambda: status(node)["fiscal"]["source"] == "server", what="the new register")
        expect(lambda: status(node)["fiscal"]["state"] == "running", what="it runs")
        assert status(node)["settings"]["pending"] is None
        assert fiscal_status(node)["pending_requests"] == 0
        assert [r["total"] for r in register.receipts()] == [89.9]  # registered once
        assert new.receipts() == []  # and not again on the new register


def test_a_cash_in_with_an_unknown_outcome_keeps_the_register_between_receipts(
    fiscal_till, register, tmp_path
):
    """No receipt is open, so only the unknown outcome keeps the change waiting."""
    with FiscalRegisterEmulator(state_path=tmp_path / "new.json") as new:
        node, till = fiscal_till(timeout=0.5)
        till.post("/shift/open")
        register.control({"hold": True})
        code, err = till.fail("POST", "/cash/in", {"amount": 50000})
        assert err["code"] == "fiscal.unknown", err

        Pusher(node)({"fiscal": {"url": new.url, "timeout": 0.5, "poll": 0.01}})
        pending = expect(lambda: waiting(node), what="the change waiting")
        assert "without a known outcome" in pending["waits_for"], pending
        assert status(node)["fiscal"]["source"] == "file"

        register.release()
        out = till.post("/cash/in", {"amount": 50000})  # asked again: settled, done once
        assert out["cash_move"]["number"] == 1 and "once" in str(out), out
        expect(lambda: status(node)["fiscal"]["source"] == "server", what="the new register")
        expect(lambda: status(node)["fiscal"]["state"] == "running", what="it runs")
        assert register.machine.state.cash == 50000  # done once, on the old register
        assert new.machine.state.cash == 0
