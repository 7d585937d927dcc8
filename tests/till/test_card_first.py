"""A loyalty card handed over before the goods opens the receipt (#19.2)."""

from tests.till.helpers import MILK, SUPERVISOR
from ukm_actors.supervision.testing import crash, expect


def test_a_card_first_opens_the_receipt_and_the_goods_follow(till):
    till.post("/shift/open")
    assert till.fail("POST", "/receipt/card", {"card": None})[1]["code"] == "sale.no_receipt"
    receipt = till.post("/receipt/card", {"card": "7770001"})["receipt"]
    assert (receipt["card"], receipt["lines"], receipt["number"]) == ("7770001", [], 1)
    assert till.receipt()["receipt_id"] == receipt["receipt_id"]
    added = till.scan(MILK)
    assert (added["receipt_id"], added["number"]) == (receipt["receipt_id"], 1)
    assert till.receipt()["card"] == "7770001"


def test_a_card_first_receipt_survives_a_restart_and_can_be_cancelled(till_node):
    node, till = till_node
    till.post("/shift/open")
    opened = till.post("/receipt/card", {"card": "7770001"})["receipt"]
    old = node.ctx.names.get("sale")
    crash(old)
    expect(lambda: node.ctx.names.find("sale") not in (None, old), what="sale restarted")
    body = till.get("/receipt")
    assert (body["receipt"]["receipt_id"], body["receipt"]["card"]) == (
        opened["receipt_id"],
        "7770001",
    )
    cancelled = till.post("/receipt/cancel", {"supervisor": SUPERVISOR})["cancelled"]
    assert cancelled["state"] == "cancelled" and cancelled["card"] == "7770001"
    assert till.receipt() is None


def test_no_card_without_an_open_shift(till):
    assert till.fail("POST", "/receipt/card", {"card": "7770001"})[1]["code"] == "shift.closed"
