"""The sale's side of promotions: the engine is asked whenever lines change and before payment;
its discounts land on the receipt; when it fails, the sale goes on without them."""

from tests.till.helpers import BREAD, MILK, outbox_docs
from ukm_actors.domain.money import percent
from ukm_actors.domain.receipt import LineDiscount


class TenPercentOnMilk:
    """A stand-in promotion engine honouring the contract: 10% off article 100 with a card."""

    def __init__(self) -> None:
        self.contexts: list[dict] = []
        self.closed: list = []
        self.fail = False

    def price(self, receipt, context):
        self.contexts.append(dict(context))
        if self.fail:
            raise RuntimeError("engine is broken")
        if not context["card"]:
            return {}
        return {
            line.position: (LineDiscount("c10", "10% on milk", percent(line.amount, 1000)),)
            for line in receipt.active_lines
            if line.article == "100"
        }

    def on_receipt_closed(self, session, doc):
        assert session.in_transaction()
        self.closed.append(doc)


def test_discounts_from_the_engine_are_applied_kept_and_sent(till_node):
    node, till = till_node
    engine = TenPercentOnMilk()
    node.ctx.services.promotions = engine
    till.post("/shift/open")
    till.post("/receipt/lines", {"article": "100", "quantity": 2000})
    assert till.receipt()["totals"]["discount"] == 0
    r = till.post("/receipt/card", {"card": "7770001"})["receipt"]
    assert r["lines"][0]["discounts"] == [
        {"campaign_id": "c10", "name": "10% on milk", "amount": 1798}
    ]
    till.scan(BREAD)
    till.post("/receipt/coupons", {"code": "CPN-1"})
    assert engine.contexts[-1]["coupons"] == ["CPN-1"]
    context = engine.contexts[-1]
    assert (context["store"], context["till"], context["card"]) == ("17", 1, "7770001")
    assert len(context["at"]) == 19  # local time, yyyy-mm-ddThh:mm:ss
    assert till.receipt()["totals"]["total"] == 17980 - 1798 + 4500
    closed = till.pay("cash", 30000)["closed"]
    assert closed["totals"]["discount"] == 1798
    (doc,) = engine.closed
    assert doc.card == "7770001" and doc.lines[0].discount == 1798
    sent = [d for t, d in outbox_docs(node) if t == "receipt"][0]
    assert sent.lines[0].discounts[0].campaign_id == "c10" and sent.total == 17980 - 1798 + 4500


def test_a_failing_engine_does_not_stop_the_sale(till_node):
    node, till = till_node
    engine = TenPercentOnMilk()
    node.ctx.services.promotions = engine
    till.post("/shift/open")
    till.scan(MILK)
    till.post("/receipt/card", {"card": "7770001"})
    assert till.receipt()["totals"]["discount"] == 899
    engine.fail = True
    till.scan(BREAD)
    r = till.receipt()
    assert r["totals"]["discount"] == 0 and r["totals"]["total"] == 8990 + 4500
    assert till.pay("cash", 13490)["closed"]["state"] == "completed"
