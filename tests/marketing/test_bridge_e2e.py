"""End to end over the real bridge: a cash server, the marketing server and a till as nodes
on 127.0.0.1. The till downloads its copy of campaigns, prices online, pays with a
certificate, pushes its accrual; with the marketing server stopped it prices offline and
refuses certificates."""

import pytest

from tests.marketing.helpers import TOKEN, api, feed_stores
from tests.nodes.helpers import http, start_node
from ukm_actors.bridge.peers import register_peer
from ukm_actors.domain.receipt import Receipt, add_line
from ukm_actors.errors import UkmError
from ukm_actors.nodes.marketing.core.campaigns import store_set
from ukm_actors.nodes.marketing.core.tables import MkAccrual
from ukm_actors.supervision.testing import expect

FAST = {"retry_initial": 0.05, "retry_maximum": 0.3, "poll_wait": 2.0}
CONTEXT = {"store": "17", "till": 1, "at": "2026-12-07T12:00:00", "card": None, "coupons": []}


@pytest.mark.timeout(90)
def test_till_and_marketing_over_the_bridge(tmp_path, make_db_url):
    server = start_node("server", tmp_path, make_db_url("server"),
                        bridge={**FAST, "secret": "server-secret"})  # fmt: skip
    nodes = [server]
    try:
        with server.ctx.require_db().write() as s:
            register_peer(s, "till-17-1", "till", store="17", secret="till-secret")
            register_peer(s, "marketing", "marketing", secret="m-secret")
        server.ctx.services.bridge.peers_changed()
        marketing = start_node(
            "marketing", tmp_path, make_db_url("marketing"),
            node={"id": "marketing"}, marketing={"admin_token": TOKEN},
            bridge={**FAST, "server_url": server.ctx.url, "secret": "m-secret"},
        )  # fmt: skip
        nodes.append(marketing)
        feed_stores(marketing, {"17": 1})
        milk = {"id": "MILK10", "name": "Milk -10%", "conditions": {"articles": ["1001"]},
                "action": {"type": "percent", "value": 1000}}  # fmt: skip
        assert api(marketing, "POST", "/api/v1/campaigns", milk)[0] == 201
        series = {"id": "GC", "name": "Gift", "face_value": 50_000, "article": "CERT500",
                  "prefix": "9", "length": 10}  # fmt: skip
        assert api(marketing, "POST", "/api/v1/certificate-series", series)[0] == 201
        _, made = api(marketing, "POST", "/api/v1/certificate-series/GC/certificates", {"count": 1})
        number = made["numbers"][0]
        marketing.ctx.asks.get("certificate.activate")({"number": number, "receipt_id": "S1"}, "t")
        till = start_node(
            "till", tmp_path, make_db_url("till"), node={"id": "till-17-1"},
            till={"store": "17", "number": 1, "marketing_url": marketing.ctx.url},
            bridge={**FAST, "server_url": server.ctx.url, "secret": "till-secret"},
        )  # fmt: skip
        nodes.append(till)
        with marketing.ctx.require_db().read() as s:
            version = store_set(s, "17").version
        engine = till.ctx.actor("promotion_engine").proxy()
        expect(lambda: engine.campaign_set().get().version == version, within=30,
               what="the till downloaded its copy of campaigns")  # fmt: skip

        svc = till.ctx.services.promotions
        r = add_line(Receipt(), article="1001", name="Milk", quantity=1000, price=10000,
                     measure="шт")  # fmt: skip
        assert [d.amount for d in svc.price(r, CONTEXT)[1]] == [1000]
        assert svc.online is True
        payments = till.ctx.services.marketing_payments
        payment = payments.authorize("certificate", 20_000, number, "R1")
        assert payment.amount == 20_000 and payments.balance("certificate", number) == 30_000

        from ukm_actors.codecs.tilldocs import PaymentDoc, ReceiptDoc, ReceiptLineDoc

        doc = ReceiptDoc(
            receipt_id="R1", store="17", till=1, shift_num=1, number=1, kind="sale",
            state="completed", opened_at="2026-12-07T11:59:00", closed_at="2026-12-07T12:00:00",
            closed_at_utc="2026-12-07T09:00:00Z", cashier_code="1", cashier_name="Petrova",
            total=9000,
            lines=(ReceiptLineDoc(position=1, article="1001", name="Milk", measure="шт",
                                  quantity=1000, price=10000, amount=10000, discount=1000,
                                  total=9000),),
            payments=(PaymentDoc("certificate", 9000, reference=number),),
        )  # fmt: skip
        with till.ctx.require_db().write() as s:
            svc.on_receipt_closed(s, doc)

        def applied():
            with marketing.ctx.require_db().read() as s:
                return s.get(MkAccrual, "R1") is not None

        expect(applied, within=30, what="the accrual pushed to the marketing server")

        marketing.stop()
        nodes.remove(marketing)
        # A stopped process closes its sockets; in this process the stopped node's kept-alive
        # connections would still be served, so the till drops them.
        till.ctx.services.bridge.client.close()
        assert [d.amount for d in svc.price(r, CONTEXT)[1]] == [1000]
        assert svc.online is False, svc.last_error
        assert "connection refused" in svc.last_error
        with pytest.raises(UkmError) as refused:
            payments.authorize("certificate", 1000, number, "R2")
        assert refused.value.code == "marketing.unreachable"
    finally:
        http.clear()
        for node in reversed(nodes):
            node.stop()
