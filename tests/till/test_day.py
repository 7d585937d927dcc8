"""A scripted day at one till: shift, sales, voids, cancel, cash in/out, X and Z, documents."""

import re
from datetime import datetime

from tests.nodes.helpers import get_json
from tests.till.helpers import BREAD, MILK, SUPERVISOR, outbox_docs
from ukm_actors.nodes.till.sale.clock import zoned_text


def test_a_day_at_one_till(till_node):
    node, till = till_node
    # Nothing sells before the shift is open.
    status, err = till.fail("POST", "/receipt/lines", {"barcode": MILK})
    assert (status, err["code"]) == (409, "shift.closed")
    shift = till.post("/shift/open")["shift"]
    assert shift["shift_num"] == 1 and shift["state"] == "open"
    assert till.fail("POST", "/shift/open")[1]["code"] == "shift.open"

    # Receipt 1: two lines, quantity changed, paid in cash with change.
    till.scan(MILK)
    till.post("/receipt/lines", {"article": "101", "quantity": 2000})
    status, r = till.call("PUT", "/receipt/lines/1", {"quantity": 3000})
    assert status == 200 and r["receipt"]["totals"]["total"] == 3 * 8990 + 2 * 4500
    paid = till.pay("cash", 50000)
    assert paid["closed"]["number"] == 1 and paid["closed"]["change"] == 50000 - 35970
    assert paid["print"]["printed"] is False  # no printer at this till
    assert till.receipt() is None

    # Receipt 2: a void needs a right the cashier lacks; the supervisor grants it once.
    till.scan(MILK)
    till.scan(BREAD)
    status, err = till.fail("DELETE", "/receipt/lines/2")
    assert status == 403 and err["code"] == "rights.missing"
    assert "ask a supervisor" in err["message"]
    status, r = till.call("DELETE", "/receipt/lines/2", {"supervisor": SUPERVISOR})
    assert status == 200
    lines = r["receipt"]["lines"]
    assert [x["voided"] for x in lines] == [False, True]
    assert r["receipt"]["totals"]["total"] == 8990
    # Lowering a quantity is a partial void: same right.
    till.post("/receipt/lines", {"article": "100", "quantity": 2000})
    assert till.fail("PUT", "/receipt/lines/3", {"quantity": 1000})[1]["code"] == "rights.missing"
    till.pay("cash", 8990 * 3)

    # Receipt 3: cancelled with the supervisor's confirmation.
    till.scan(BREAD)
    assert till.fail("POST", "/receipt/cancel")[1]["code"] == "rights.missing"
    out = till.post("/receipt/cancel", {"supervisor": SUPERVISOR})
    assert out["cancelled"]["state"] == "cancelled"

    # Cash in and out; taking out more than the drawer holds is refused.
    till.post("/cash/in", {"amount": 100000})
    drawer = 35970 + 8990 * 3 + 100000
    err = till.fail("POST", "/cash/out", {"amount": drawer + 1})[1]
    assert err["code"] == "shift.cash_short"
    till.post("/cash/out", {"amount": 50000})

    x = till.get("/shift/x-report")["x_report"]
    assert x["sales_count"] == 2 and x["cancelled_count"] == 1
    assert x["sales_total"] == 35970 + 8990 * 3
    assert x["sales_by_payment"] == {"cash": 35970 + 8990 * 3}
    assert x["cash_in"] == 100000 and x["cash_out"] == 50000
    assert x["cash_in_drawer"] == drawer - 50000

    # A shift with an open receipt cannot be closed.
    till.scan(MILK)
    assert till.fail("POST", "/shift/close")[1]["code"] == "shift.receipt_open"
    till.pay("cash", 8990)
    z = till.post("/shift/close")
    assert z["receipts"] == [1, 2, 3, 4]
    assert z["z_report"]["sales_count"] == 3
    assert till.get("/shift")["shift"] is None

    docs = outbox_docs(node)
    assert [t for t, _ in docs] == [
        "shift.open",
        "receipt",
        "receipt",
        "receipt",
        "cash.move",
        "cash.move",
        "receipt",
        "shift.close",
    ]
    receipts = [d for t, d in docs if t == "receipt"]
    assert [r.state for r in receipts] == ["completed", "completed", "cancelled", "completed"]
    first = receipts[0]
    assert (first.store, first.till, first.shift_num, first.number) == ("17", 1, 1, 1)
    assert first.total == 35970 and first.change == 50000 - 35970
    assert [(p.type, p.amount) for p in first.payments] == [("cash", 50000)]
    assert receipts[1].lines[1].voided and receipts[1].total == 8990 * 3
    assert receipts[2].supervisor_code == "9"
    close = docs[-1][1]
    assert close.receipt_numbers == (1, 2, 3, 4) and close.cash_move_numbers == (1, 2)
    assert close.totals["sales_total"] == 35970 + 8990 * 4

    # Every finished document waits in the print queue (this till has no printer).
    jobs = till.get("/receipt/print-queue")["jobs"]
    assert [j["kind"] for j in jobs] == ["sale", "sale", "cash-in", "cash-out", "sale", "z-report"]
    _, st = get_json(node.ctx.url + "/status")
    assert st["sale"]["print_queue"] == 6 and st["sale"]["cashier"] == "1"


def test_login_errors_speak_to_the_cashier(till):
    status, err = till.fail("POST", "/login", {"code": "1", "password": "0000"})
    assert (status, err["code"]) == (401, "auth.failed")
    assert "wrong cashier code or password" in err["message"]
    assert till.fail("POST", "/login", {"code": "5", "password": "5555"})[1]["code"] == (
        "auth.disabled"
    )
    assert till.post("/login", {"card": "CARD-9"})["cashier"]["code"] == "9"
    till.post("/logout")
    status, err = till.fail("POST", "/shift/open")
    assert (status, err["code"]) == (401, "auth.required")


def test_the_24_hour_rule(till_node):
    from datetime import timedelta

    node, till = till_node
    till.post("/shift/open")
    till.scan(MILK)
    node.ctx.services.clock.advance(timedelta(hours=24, minutes=1))
    err = till.fail("POST", "/receipt/lines", {"barcode": MILK})[1]
    assert err["code"] == "shift.expired" and "close it (Z report)" in err["message"]
    assert till.get("/shift")["shift"]["expired"] is True
    till.pay("cash", 8990)  # the open receipt can still be finished
    assert till.fail("POST", "/receipt/lines", {"barcode": MILK})[1]["code"] == "shift.expired"
    till.post("/shift/close")
    till.post("/shift/open")
    till.scan(MILK)


def test_certificates_without_the_marketing_server(till_node):
    node, till = till_node
    till.post("/shift/open")
    till.scan(MILK)
    pay = {"type": "certificate", "amount": 1000, "reference": "CERT-1"}
    if node.ctx.services.marketing_payments is not None:
        # The promotions feature is there, but no marketing server is configured.
        status, err = till.fail("POST", "/receipt/payments", pay)
        assert err["code"] == "marketing.unreachable" and "still open" in err["message"]
        node.ctx.services.marketing_payments = None
    status, err = till.fail("POST", "/receipt/payments", pay)
    assert (status, err["message"]) == (
        503,
        "gift certificates need the marketing server; it is not configured",
    )
    r = till.receipt()
    assert r["payments"] == [] and r["unresolved_payments"] == [] and r["totals"]["due"] == 8990


def test_errors_are_json_for_bad_requests(till):
    till.post("/shift/open")
    assert till.fail("POST", "/receipt/lines", {})[1]["code"] == "request.invalid"
    assert till.fail("POST", "/receipt/lines", {"barcode": "1", "article": "2"})[1]["code"] == (
        "request.invalid"
    )
    status, err = till.fail("POST", "/receipt/lines", {"barcode": "4699999999999"})
    assert (status, err["code"]) == (404, "sale.item_unknown")
    assert till.fail("POST", "/receipt/payments", {"type": "cash", "amount": 1})[1]["code"] == (
        "sale.no_receipt"
    )
    till.scan(MILK)
    assert till.fail("POST", "/receipt/payments", {"type": "cash", "amount": "1"})[1]["code"] == (
        "request.invalid"
    )
    err = till.fail("POST", "/receipt/payments", {"type": "card", "amount": 8990})[1]
    assert err["code"] == "device.not_configured" and "bank terminal" in err["message"]
    err = till.fail("POST", "/receipt/payments", {"type": "certificate", "amount": 100})[1]
    assert err["code"] == "request.invalid" and "certificate number" in err["message"]
    assert (
        till.fail("POST", "/receipt/lines", {"article": "100", "quantity": 1500})[1]["code"]
        == "sale.quantity_step"
    )
    assert till.receipt()["totals"]["total"] == 8990


def test_every_time_in_the_api_carries_the_store_time_zone_offset(start_till):
    node, till = start_till(timezone="Asia/Yekaterinburg")  # UTC+5, no summer time
    till.login()
    zoned = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:00$")
    shift = till.post("/shift/open")["shift"]
    assert zoned.match(shift["opened_at"]), shift["opened_at"]
    till.scan(MILK)
    assert zoned.match(till.receipt()["opened_at"])
    closed = till.pay("cash", 10000)["closed"]
    assert zoned.match(closed["opened_at"]) and zoned.match(closed["closed_at"]), closed
    at = datetime.fromisoformat(closed["closed_at"])
    assert abs((datetime.now(at.tzinfo) - at).total_seconds()) < 60, "the right moment"
    move = till.post("/cash/in", {"amount": 1000})["cash_move"]
    assert zoned.match(move["at"]), move
    closed_shift = till.post("/shift/close")["shift"]
    assert zoned.match(closed_shift["closed_at"])
    # summer time and half-hour zones come out right too
    assert zoned_text("2026-07-01T12:00:00", "2026-07-01T10:00:00Z") == "2026-07-01T12:00:00+02:00"
    assert zoned_text("2026-01-01T05:30:00", "2026-01-01T00:00:00Z") == "2026-01-01T05:30:00+05:30"
    assert zoned_text("2026-01-01T05:30:00", None) == "2026-01-01T05:30:00"
