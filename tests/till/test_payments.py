"""Payments: split tender, a declined card, cancel at the PIN pad, an unknown outcome."""

import gevent
import pytest

from tests.till.helpers import BREAD, MILK, SUPERVISOR, outbox_docs
from ukm_actors.hw.emulators import BankTerminalEmulator, CustomerCancels, NoAnswer


@pytest.fixture
def bank():
    with BankTerminalEmulator() as emulator:
        yield emulator


@pytest.fixture
def card_till(start_till, bank):
    def start(pay_timeout=5.0):
        node, till = start_till(
            devices={"bank": {"url": bank.url, "check_interval": 0, "pay_timeout": pay_timeout}}
        )
        till.login()
        till.post("/shift/open")
        return node, till

    return start


def test_split_tender_part_card_rest_cash(card_till, bank):
    node, till = card_till()
    till.scan(MILK)
    till.post("/receipt/lines", {"article": "101", "quantity": 2000})  # total 179.90
    out = till.pay("card", 10000)
    assert out["closed"] is None
    payment = out["payment"]
    assert payment["state"] == "approved" and payment["rrn"] == "000000000001"
    assert payment["card_mask"] == "220220******1234"
    assert out["receipt"]["totals"]["due"] == 7990
    err = till.fail("POST", "/receipt/payments", {"type": "card", "amount": 8000})[1]
    assert err["code"] == "receipt.overpaid"
    status, err = till.fail("POST", "/receipt/payments", {"type": "cash", "amount": 5_000_007_990})
    assert err["code"] == "receipt.change_too_large" and status == 400  # a mistyped amount
    done = till.pay("cash", 10000)
    assert done["closed"]["change"] == 2010
    assert bank.charged("17-1-1-1") == 10000
    receipt = [d for t, d in outbox_docs(node) if t == "receipt"][0]
    assert [(p.type, p.amount, p.rrn) for p in receipt.payments] == [
        ("card", 10000, "000000000001"),
        ("cash", 10000, None),
    ]
    x = till.get("/shift/x-report")["x_report"]
    assert x["sales_by_payment"] == {"card": 10000, "cash": 7990}


def test_a_declined_card_leaves_the_receipt_open_and_intact(card_till, bank):
    _, till = card_till()
    till.scan(MILK)
    till.post("/receipt/lines", {"article": "101", "quantity": 2000})  # 179.90
    before = till.receipt()
    till.post("/receipt/lines", {"article": "100"})  # 269.80
    till.call("DELETE", "/receipt/lines/3", {"supervisor": SUPERVISOR})
    status, err = till.fail("POST", "/receipt/payments", {"type": "card", "amount": 17990 - 91})
    # 179.90 - 0.91 = 178.99: the emulator declines amounts ending in 99 kopecks
    assert (status, err["code"]) == (402, "card.declined")
    assert "insufficient funds" in err["message"] and "still open" in err["message"]
    after = till.receipt()
    assert after["lines"][:2] == before["lines"] and after["payments"] == []
    assert after["unresolved_payments"] == [] and after["totals"]["due"] == 17990
    assert bank.ledger() == []
    assert till.pay("card", 17990)["closed"]["state"] == "completed"


def test_the_cashier_cancels_a_card_payment_waiting_at_the_pin_pad(card_till, bank):
    _, till = card_till(pay_timeout=30)
    till.scan(MILK)
    bank.script(NoAnswer())
    waiting = gevent.spawn(till.call, "POST", "/receipt/payments", {"type": "card", "amount": 8990})
    assert bank.wait_pending("17-1-1-1")
    status, err = till.fail("POST", "/receipt/lines", {"barcode": BREAD})
    assert err["code"] == "sale.payment_in_progress"
    assert till.post("/receipt/payments/cancel")["cancel_sent"] is True
    status, err = waiting.get(timeout=10)
    assert (status, err["code"]) == (402, "card.cancelled")
    assert till.receipt()["payments"] == [] and bank.ledger() == []
    till.scan(BREAD)  # the receipt is usable again


def test_the_customer_cancels_on_the_terminal(card_till, bank):
    _, till = card_till()
    till.scan(MILK)
    bank.script(CustomerCancels())
    err = till.fail("POST", "/receipt/payments", {"type": "card", "amount": 8990})[1]
    assert err["code"] == "card.cancelled" and "customer" in err["message"]


def test_no_answer_leaves_an_unknown_payment_for_the_cashier_to_resolve(card_till, bank):
    _, till = card_till(pay_timeout=0.3)
    till.scan(MILK)
    bank.script(NoAnswer())
    status, err = till.fail("POST", "/receipt/payments", {"type": "card", "amount": 8990})
    assert (status, err["code"]) == (409, "payment.unknown")
    assert "look at the terminal" in err["message"]
    r = till.receipt()
    (unknown,) = r["unresolved_payments"]
    assert unknown["state"] == "unknown" and unknown["amount"] == 8990
    assert (
        till.fail("POST", "/receipt/payments", {"type": "cash", "amount": 9000})[1]["code"]
        == "sale.payment_unresolved"
    )
    err = till.fail("POST", f"/receipt/payments/{unknown['id']}/resolve", {"approved": True})[1]
    assert "rrn" in err["message"]
    out = till.post(f"/receipt/payments/{unknown['id']}/resolve", {"approved": False})
    assert out["receipt"]["unresolved_payments"] == []
    assert till.pay("cash", 9000)["closed"]["change"] == 10


def test_an_unknown_payment_resolved_as_approved_closes_the_receipt(card_till, bank):
    _, till = card_till(pay_timeout=0.3)
    till.scan(MILK)
    bank.script(NoAnswer())
    till.fail("POST", "/receipt/payments", {"type": "card", "amount": 8990})
    (unknown,) = till.receipt()["unresolved_payments"]
    out = till.post(
        f"/receipt/payments/{unknown['id']}/resolve", {"approved": True, "rrn": "RRN-FROM-SLIP"}
    )
    assert out["closed"]["payments"][0]["rrn"] == "RRN-FROM-SLIP"


def test_cancelling_a_receipt_refunds_its_card_payment(card_till, bank):
    _, till = card_till()
    till.scan(MILK)
    till.scan(BREAD)
    till.pay("card", 5000)
    out = till.post("/receipt/cancel", {"supervisor": SUPERVISOR})
    assert out["cancelled"]["state"] == "cancelled"
    assert [e.op for e in bank.ledger()] == ["pay", "refund"]
    assert bank.charged() == 0


def test_a_card_payment_can_be_taken_off_the_receipt(card_till, bank):
    _, till = card_till()
    till.scan(MILK)
    tender = till.pay("card", 5000)["payment"]["id"]
    status, out = till.call("DELETE", f"/receipt/payments/{tender}", {"supervisor": SUPERVISOR})
    assert status == 200 and out["receipt"]["payments"] == []
    assert bank.charged() == 0
    till.scan(BREAD)  # lines are no longer frozen


def test_an_unplugged_terminal_takes_no_money_and_says_so(card_till, bank):
    node, till = card_till()
    till.scan(MILK)
    bank.stop()
    status, err = till.call("POST", "/receipt/payments", {"type": "card", "amount": 8990})
    if err["code"] == "payment.unknown":
        # The request went out before the terminal was found gone: only the cashier can tell.
        assert "stopped answering" in err["message"]
        (u,) = till.receipt()["unresolved_payments"]
        till.post(f"/receipt/payments/{u['id']}/resolve", {"approved": False})
        status, err = till.call("POST", "/receipt/payments", {"type": "card", "amount": 8990})
    assert (status, err["code"]) == (503, "device.offline")
    assert "bank terminal is offline" in err["message"]
    r = till.receipt()
    assert r["payments"] == [] and r["unresolved_payments"] == []
    assert till.pay("cash", 8990)["closed"]["state"] == "completed"
