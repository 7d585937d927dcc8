"""An actor of the sale that crashes is restarted and finds everything where it was."""

from tests.till.helpers import MILK, SUPERVISOR
from ukm_actors.supervision.testing import crash, expect


def test_a_crashed_sale_session_reopens_the_same_receipt(till_node):
    node, till = till_node
    till.post("/shift/open")
    till.scan(MILK)
    till.post("/receipt/lines", {"article": "101", "quantity": 2000})
    till.call("DELETE", "/receipt/lines/1", {"supervisor": SUPERVISOR})
    till.pay("cash", 5000)
    before = till.receipt()
    old = node.ctx.names.get("sale")
    crash(old)
    expect(lambda: node.ctx.names.find("sale") not in (None, old), what="sale restarted")
    assert till.receipt() == before
    closed = till.pay("cash", before["totals"]["due"])["closed"]
    assert closed["number"] == 1 and closed["state"] == "completed"


def test_a_crashed_shift_manager_keeps_the_shift(till_node):
    node, till = till_node
    till.post("/shift/open")
    till.post("/cash/in", {"amount": 1000})
    old = node.ctx.names.get("shift")
    crash(old)
    expect(lambda: node.ctx.names.find("shift") not in (None, old), what="shift restarted")
    shift = till.get("/shift")["shift"]
    assert shift["shift_num"] == 1 and shift["totals"]["cash_in"] == 1000
