"""Cash moves and X reports the register did while the till did not hear: settled, not repeated."""

import pytest
from sqlalchemy import select

from tests.till.helpers import outbox_docs
from ukm_actors.nodes.till.sale.tables import CashMoveRow, FiscalRow


def _requests(node):
    with node.ctx.db.read() as s:
        return [
            (r.kind, r.state) for r in s.scalars(select(FiscalRow).order_by(FiscalRow.created_at))
        ]


def _moves(node):
    with node.ctx.db.read() as s:
        return [(m.number, m.direction, m.amount) for m in s.scalars(select(CashMoveRow))]


def _cash_docs(node):
    return [d for kind, d in outbox_docs(node) if kind == "cash.move"]


@pytest.fixture
def open_till(fiscal_till, register):
    node, till = fiscal_till(timeout=0.5)
    till.post("/shift/open")
    till.post("/cash/in", {"amount": 50000})
    return node, till


def test_a_cash_out_asked_again_after_a_lost_answer_is_done_once(open_till, register):
    node, till = open_till
    cash_before = register.state.cash
    register.control({"hold": True})
    status, err = till.fail("POST", "/cash/out", {"amount": 10000})
    assert err["code"] == "fiscal.unknown" and "do not repeat" in err["hint"]
    assert _moves(node) == [(1, "in", 50000)]
    assert ("cashOut", "pending") in _requests(node)
    register.release()
    again = till.post("/cash/out", {"amount": 10000})
    assert again["cash_move"]["number"] == 2 and again["notice"]
    assert _moves(node) == [(1, "in", 50000), (2, "out", 10000)]
    assert register.state.cash == cash_before - 10000, "taken out of the register once"
    assert [d.amount for d in _cash_docs(node)] == [50000, 10000]
    assert ("cashOut", "pending") not in _requests(node)


def test_a_cash_out_the_register_did_not_do_is_done_when_asked_again(open_till, register):
    node, till = open_till
    cash_before = register.state.cash
    register.control({"hang": True})
    status, err = till.fail("POST", "/cash/out", {"amount": 10000})
    assert err["code"] == "fiscal.unknown"
    register.control({"fail_next": [44, "Нет бумаги"]})
    register.release()  # the hung task runs now and is refused
    again = till.post("/cash/out", {"amount": 10000})
    assert "notice" not in again
    assert _moves(node) == [(1, "in", 50000), (2, "out", 10000)]
    assert register.state.cash == cash_before - 10000
    assert _requests(node).count(("cashOut", "failed")) == 1
    assert _requests(node).count(("cashOut", "done")) == 1


def test_the_shift_does_not_close_until_the_register_says_what_became_of_a_cash_move(
    open_till,
    register,
):
    node, till = open_till
    register.control({"hang": True})
    till.fail("POST", "/cash/out", {"amount": 7000})
    status, err = till.fail("POST", "/shift/close")
    assert status == 409 and err["code"] == "fiscal.unknown"
    assert till.get("/shift")["shift"]["state"] == "open"
    register.release()
    closed = till.post("/shift/close")
    assert closed["shift"]["totals"]["cash_out"] == 7000, "the move the register did is in it"
    close = [d for kind, d in outbox_docs(node) if kind == "shift.close"][0]
    assert close.cash_move_numbers == (1, 2)


def test_an_x_report_the_register_printed_unheard_gets_its_slip_before_the_next_operation(
    open_till,
    register,
):
    node, till = open_till
    register.control({"hold": True})
    status, err = till.fail("GET", "/shift/x-report?print=1")
    assert err["code"] == "fiscal.unknown"
    register.release()
    till.post("/cash/in", {"amount": 100})
    jobs = till.get("/receipt/print-queue")["jobs"]
    assert [j["kind"] for j in jobs].count("x-report") == 1
    assert ("reportX", "done") in _requests(node)
    assert _moves(node)[-1] == (2, "in", 100)
