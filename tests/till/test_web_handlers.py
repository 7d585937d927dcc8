"""The till API's handlers are module-level functions: each runs alone with the till's
services (``TillApi``) and a request bound by hand, and answers what the route answers."""

from __future__ import annotations

import io
import json
from typing import Any

import bottle
import pytest

from tests.till.helpers import MILK
from ukm_actors.nodes.till.sale import web, webreceipt
from ukm_actors.nodes.till.sale.errors import BadRequest
from ukm_actors.nodes.till.sale.webio import TillApi


def bind(method: str, path: str, body: Any = None) -> None:
    """Bind ``bottle.request`` (this thread's) to a JSON request, as the server would."""
    raw = b"" if body is None else json.dumps(body).encode()
    app = bottle.Bottle()
    app.config["ukm.language"] = "en"
    bottle.request.bind(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(raw)),
            "wsgi.input": io.BytesIO(raw),
            "bottle.app": app,
        }
    )


def answer(response: bottle.HTTPResponse) -> Any:
    return json.loads(response.body)


def test_handlers_sell_a_line_called_alone(till_node):
    node, till = till_node  # cashier 1 logged in over HTTP: the same till's login
    api = TillApi.of(node.ctx)

    bind("POST", "/api/v1/shift/open", {})
    assert answer(web.shift_open(api))["shift"]["state"] == "open"

    bind("POST", "/api/v1/receipt/lines", {"barcode": MILK})
    response = webreceipt.add_line(api)
    assert response.status_code == 201
    added = answer(response)
    assert added["line"]["barcode"] == MILK
    assert till.receipt()["receipt_id"] == added["receipt_id"]  # the till over HTTP sees it

    bind("GET", "/api/v1/receipt")
    assert answer(webreceipt.receipt(api)) == till.get("/receipt")


def test_a_handler_alone_refuses_a_bad_body(till_node):
    node, _till = till_node
    api = TillApi.of(node.ctx)
    bind("POST", "/api/v1/receipt/lines", {"barcode": MILK, "article": "1"})
    with pytest.raises(BadRequest) as caught:
        webreceipt.add_line(api)
    assert "exactly one" in caught.value.message
