"""The till's fiscal flow against the register emulator: every receipt registered, never twice."""

import pytest

from tests.nodes.helpers import get_json
from tests.till.helpers import BREAD, MILK, SUPERVISOR, TillClient, outbox_docs
from ukm_actors.supervision.testing import expect


def _sold(till, barcode=MILK, cash=10000):
    till.scan(barcode)
    return till.pay("cash", cash)


def test_shift_and_receipt_are_registered_and_the_fiscal_data_go_everywhere(fiscal_till, register):
    node, till = fiscal_till(printer={"kind": "dummy", "codepage": "CP866"})
    till.post("/shift/open")
    assert register.machine.shift_state() == "opened"
    out = _sold(till)
    fiscal = out["closed"]["fiscal"]
    assert set(fiscal) >= {"fn", "fd", "fp", "shift", "number", "registered_at", "qr"}
    assert fiscal["fd"] == 2 and fiscal["number"] == 1 and fiscal["shift"] == 1
    assert fiscal["qr"].startswith("t=") and f"&fp={fiscal['fp']}&n=1" in fiscal["qr"]
    assert [r["total"] for r in register.receipts()] == [89.9]
    doc = [d for kind, d in outbox_docs(node) if kind == "receipt"][0]
    assert doc.fiscal["fp"] == fiscal["fp"] and doc.kkm_receipt_number == 1
    printed = node.ctx.names.get("printer").proxy().output().get(timeout=5)
    text = printed.decode("cp866", errors="replace")
    assert f"ФП {fiscal['fp']}" in text and fiscal["fn"] in text
    assert fiscal["qr"].encode() in printed
    till.post("/cash/in", {"amount": 5000})
    till.post("/shift/close")
    assert register.machine.shift_state() == "closed"
    close = [d for kind, d in outbox_docs(node) if kind == "shift.close"][0]
    assert close.kkm_shift_number == 1


def test_paper_out_keeps_the_receipt_open_until_registered_again(fiscal_till, register):
    node, till = fiscal_till()
    till.post("/shift/open")
    register.control({"paper": False})
    out = _sold(till)
    assert out["closed"] is None and out["fiscal_error"]["code"] == "fiscal.paper_out"
    view = till.get("/receipt")
    assert view["receipt"]["totals"]["due"] == 0 and view["fiscal_error"]["hint"]
    assert register.receipts() == []
    status, err = till.fail("POST", "/receipt/register")
    assert err["code"] == "fiscal.paper_out"
    register.control({"paper": True})
    again = till.post("/receipt/register")
    assert again["closed"]["fiscal"]["fd"] == 2
    assert till.get("/receipt")["receipt"] is None
    assert len(register.receipts()) == 1


def test_a_return_refunded_but_not_registered_says_why_and_is_registered_again(
    fiscal_till, register
):
    """A return whose refund was made while the register is out of paper answers with the
    register's ``fiscal_error`` (as a payment does): the screen, or a script, knows to load
    paper and register it again, not to pay again."""
    node, till = fiscal_till()
    till.post("/shift/open")
    sale = _sold(till)["closed"]
    register.control({"paper": False})
    out = till.post(
        "/returns",
        {"receipt_id": sale["receipt_id"], "lines": {"1": 1000}, "supervisor": SUPERVISOR},
    )
    assert out["refunds"] == [{"type": "cash", "amount": 8990, "ok": True}]
    assert out["closed"] is None and out["fiscal_error"]["code"] == "fiscal.paper_out"
    assert out["receipt"]["totals"]["due"] == 0
    register.control({"paper": True})
    again = till.post("/receipt/register")
    assert again["closed"]["kind"] == "return"
    assert [r["total"] for r in register.receipts()] == [89.9, 89.9]


def test_the_registers_refusal_reads_in_russian_by_default_and_in_english_on_request(
    fiscal_till, register
):
    node, till = fiscal_till()
    till.post("/shift/open")
    register.control({"paper": False})
    _sold(till)
    ru = TillClient(node.ctx.url, language="")  # the till's own language: Russian
    err = ru.get("/receipt")["fiscal_error"]
    assert err["code"] == "fiscal.paper_out"
    assert err["message"].startswith("фискальный регистратор отказал (чек 1): ")
    assert err["hint"] == (
        "заправьте бумагу в фискальный регистратор; чек остаётся открытым: затем нажмите "
        "«Зарегистрировать снова»"
    )
    status, again = ru.fail("POST", "/receipt/register")
    assert again["message"] == err["message"] and again["hint"] == err["hint"]
    assert ru.get("/fiscal")["last_error"]["hint"] == err["hint"]
    en = till.get("/receipt")["fiscal_error"]
    assert en["message"].startswith("the fiscal register refused receipt 1: ")
    assert en["hint"] == (
        "load paper into the register; the receipt stays open: then press 'register again'"
    )
    # refused: nothing registered, nothing pending, so it may be cancelled (cash given back)
    cancelled = ru.post("/receipt/cancel", {"supervisor": SUPERVISOR})["cancelled"]
    assert cancelled["state"] == "cancelled" and cancelled["fiscal"] is None
    assert register.receipts() == []


def test_an_unknown_outcome_is_resolved_without_registering_twice(fiscal_till, register):
    node, till = fiscal_till(timeout=0.5)
    till.post("/shift/open")
    register.control({"hold": True})
    out = _sold(till)
    assert out["closed"] is None and out["fiscal_error"]["code"] == "fiscal.unknown"
    status, err = till.fail("POST", "/receipt/cancel", {"supervisor": SUPERVISOR})
    assert err["code"] == "fiscal.unknown"
    register.release()
    again = till.post("/receipt/register")
    assert again["closed"]["fiscal"]["fd"] == 2
    assert len(register.receipts()) == 1


def test_a_request_the_register_forgot_is_found_by_its_last_document(fiscal_till, register):
    node, till = fiscal_till(timeout=0.5)
    till.post("/shift/open")
    register.control({"hold": True})
    _sold(till)
    register.release()
    for request in list(register._requests):
        register.forget(request)
    again = till.post("/receipt/register")
    assert again["closed"]["fiscal"]["fd"] == 2 and len(register.receipts()) == 1


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ({"shift_age_hours": 25}, "fiscal.shift_expired"),
        ({"fn_capacity": 1}, "fiscal.fn_full"),
        ({"offline": True}, "fiscal.offline"),
    ],
)
def test_refusals_give_the_cashier_a_message_and_keep_the_receipt(
    fiscal_till, register, setup, code
):
    node, till = fiscal_till()
    till.post("/shift/open")
    till.scan(BREAD)
    register.control(setup)
    out = till.pay("cash", 10000)
    assert out["closed"] is None and out["fiscal_error"]["code"] == code
    assert out["fiscal_error"]["message"] and out["fiscal_error"]["hint"]
    assert till.get("/receipt")["receipt"]["lines"][0]["article"]
    assert register.receipts() == []


def test_a_paid_receipt_the_expired_register_shift_refused_is_registered_in_a_new_one(
    fiscal_till, register
):
    """The register's shift went over 24 h with a paid receipt waiting: the cashier closes
    the register's shift (Z) and registers the receipt in a new one; the till's shift and
    the receipt stay as they were (docs/till-api.md, "The fiscal register")."""
    node, till = fiscal_till(printer={"kind": "dummy", "codepage": "CP866"})
    till.post("/shift/open")
    till.scan(BREAD)
    register.control({"shift_age_hours": 25})
    out = till.pay("cash", 10000)
    err = out["fiscal_error"]
    assert out["closed"] is None and err["code"] == "fiscal.shift_expired"
    assert "new register shift" in err["hint"] and "Z report" in err["hint"]
    status, again = till.fail("POST", "/receipt/register")
    assert again["code"] == "fiscal.shift_expired", "plain 'register again' cannot help"
    status, cancel = till.fail("POST", "/receipt/cancel")
    assert status == 403, "and the receipt is not lost to a cancel without a supervisor"
    assert till.get("/shift")["shift"]["state"] == "open"

    closed = till.post("/receipt/register", {"new_register_shift": True})["closed"]
    fiscal = closed["fiscal"]
    assert (fiscal["shift"], fiscal["number"]) == (2, 1), "first receipt of register shift 2"
    assert closed["shift_num"] == 1 and closed["number"] == 1, "the till's numbering stays"
    journal = [(j["type"], j["fd"]) for j in register.journal]
    assert [t for t, _fd in journal] == ["openShift", "closeShift", "openShift", "sell"]
    assert register.machine.shift_state() == "opened"
    doc = [d for kind, d in outbox_docs(node) if kind == "receipt"][0]
    assert doc.fiscal["shift"] == 2 and doc.kkm_receipt_number == 1

    till.post("/shift/close")
    shift_close = [d for kind, d in outbox_docs(node) if kind == "shift.close"][0]
    assert shift_close.kkm_shift_number == 2 and shift_close.receipt_numbers == (1,)
    assert register.machine.shift_state() == "closed"
    assert len(register.receipts()) == 1, "registered once"


def test_status_shows_the_register_and_alerts(fiscal_till, register):
    node, till = fiscal_till()
    register.control({"unsent_since_hours": 30, "fn_valid_until": "2000-01-01"})
    expect(
        lambda: get_json(node.ctx.url + "/status")[1]["fiscal"]["health"]["ofd_unsent"] == 1,
        within=30,
        what="health",
    )
    fiscal = get_json(node.ctx.url + "/status")[1]["fiscal"]
    codes = {a["code"] for a in fiscal["alerts"]}
    assert {"fiscal.ofd_unsent", "fiscal.fn_expiring"} <= codes
    assert till.get("/fiscal")["state"] == "idle"


def test_spread_and_the_bonus_reduction_add_up():
    from ukm_actors.nodes.till.sale.fiscalform import spread

    assert spread(100, [100, 100, 100]) == [34, 33, 33]
    assert spread(100, [1, 1, 1]) == [1, 1, 1]  # never more than the lines are worth
    assert sum(spread(999, [8990, 4590, 123])) == 999
    assert spread(0, [5, 5]) == [0, 0]
