"""The whole path over HTTP: a till POSTs its documents and asks, as the bridge does."""

import json
import os
import secrets

import pytest

from tests.server.tills import ScriptedTill, line
from ukm_actors.bridge.client import BridgeClient
from ukm_actors.bridge.errors import RemoteError
from ukm_actors.bridge.peers import register_peer
from ukm_actors.supervision.testing import expect

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def client(server):
    secret = secrets.token_urlsafe(32)
    with server.ctx.db.write() as s:
        register_peer(s, "till-17-3", "till", store="17", secret=secret)
    c = BridgeClient("till-17-3", lambda: secret)
    c.know(server.ctx.url, "server")
    yield c
    c.close()


def test_documents_posted_to_the_inbox_are_exported_and_asks_answered(server, client, export_dir):
    till = ScriptedTill(server, number=3)
    docs = [till.open_shift(send=False), till.receipt((line(1, "A", 1000),), send=False)]
    body = b"".join(till.document(d).render() for d in docs)
    r = client.request("POST", server.ctx.url, "/mailbox/v1/inbox", body=body)
    assert r.status == 200, r.data
    expect(
        lambda: (
            sorted(os.listdir(export_dir))
            == [
                "receipt_[17]_[3]_[1]_[1]_[1].xml",
                "shiftOpen_[17]_[3]_[1]_[1].xml",
            ]
        )
    )
    again = client.request("POST", server.ctx.url, "/mailbox/v1/inbox", body=body)
    assert again.status == 200, again.data  # a re-sent batch is acknowledged, not re-applied

    found = client.ask(server.ctx.url, "receipts.lookup", {"receipt_id": docs[1].receipt_id})
    assert found["receipt"]["number"] == 1 and found["returned"] == {"1": 0}
    message = {"receipt_id": docs[1].receipt_id, "return_id": "r1", "lines": {"1": 1000}}
    assert client.ask(server.ctx.url, "receipts.reserve_return", message)["ok"] is True
    with pytest.raises(RemoteError) as err:
        client.ask(server.ctx.url, "receipts.reserve_return", {**message, "return_id": "r2"})
    assert err.value.code == "return.exceeds"

    reply = client.ask(
        server.ctx.url, "till.status", {"version": "0.1.0", "devices": {"printer": {"state": "ok"}}}
    )
    assert reply["ok"] is True
    view = server.ctx.services.monitoring.check()["tills"][0]
    assert view["node_id"] == "till-17-3" and view["online"] and view["version"] == "0.1.0"
    assert json.dumps(view["devices"]) == '{"printer": {"state": "ok"}}'
