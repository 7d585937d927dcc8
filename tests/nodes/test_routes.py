"""The typed route helper: module-level handlers get the context and typed path
parameters over real HTTP; a handler that does not fit its path is refused at
registration, naming the route."""

from __future__ import annotations

import json
from dataclasses import dataclass

import bottle
import pytest
import urllib3
from gevent.pywsgi import WSGIServer

from ukm_actors.nodes import webjson
from ukm_actors.nodes.base import JsonErrors, json_response
from ukm_actors.nodes.routes import RouteError, Routes, wildcards

http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=30), retries=False)


@dataclass
class Shop:
    name: str


def hello(ctx: Shop) -> bottle.HTTPResponse:
    return json_response({"shop": ctx.name})


def item(ctx: Shop, code: str, n: int) -> bottle.HTTPResponse:
    return json_response({"shop": ctx.name, "code": code, "n": n, "int": isinstance(n, int)})


def block(ctx: Shop, number: str, what: str) -> bottle.HTTPResponse:
    return json_response({"number": number, "what": what, "method": bottle.request.method})


@pytest.fixture
def served():
    app = bottle.Bottle()
    app.config["catchall"] = False
    app.install(JsonErrors())
    webjson.install(app)
    r = Routes(app, Shop("17"), prefix="/api/v1")
    r.get("/hello", hello)
    r.get("/items/<code>/<n:int>", item)
    r.patch("/cards/<number>/<what:re:block|unblock>", block)
    server = WSGIServer(("127.0.0.1", 0), app, log=None)
    server.start()
    yield f"http://127.0.0.1:{server.server_port}/api/v1"
    server.stop()


def _call(method: str, url: str) -> tuple[int, object]:
    r = http.request(method, url)
    return r.status, json.loads(r.data)


def test_handlers_get_the_context_and_typed_path_parameters(served: str) -> None:
    assert _call("GET", f"{served}/hello") == (200, {"shop": "17"})
    assert _call("GET", f"{served}/items/A-1/42") == (
        200,
        {"shop": "17", "code": "A-1", "n": 42, "int": True},
    )
    assert _call("PATCH", f"{served}/cards/77/block") == (
        200,
        {"number": "77", "what": "block", "method": "PATCH"},
    )
    status, body = _call("GET", f"{served}/items/A-1/x")
    assert status == 404 and isinstance(body, dict) and body["code"] == "http.not_found"
    status, body = _call("POST", f"{served}/hello")
    assert status == 405 and isinstance(body, dict) and body["code"] == "http.method_not_allowed"


def test_wildcards_and_their_types() -> None:
    assert wildcards("/a/<code>/<n:int>/<x:float>/<w:re:a|b>/<p:path>") == {
        "code": str,
        "n": int,
        "x": float,
        "w": str,
        "p": str,
    }
    assert wildcards("/health") == {}


def test_a_handler_that_does_not_fit_its_path_is_refused_at_registration() -> None:
    r = Routes(bottle.Bottle(), Shop("17"))
    with pytest.raises(RouteError, match=r"/items/<article>: handler hello takes \[\]"):
        r.get("/items/<article>", hello)
    with pytest.raises(RouteError, match=r"handler item takes \['code', 'n'\].*\['code', 'm'\]"):
        r.get("/items/<code>/<m:int>", item)
    with pytest.raises(RouteError, match=r"declares n: int, but <n> arrives as str"):
        r.get("/items/<code>/<n>", item)
    with pytest.raises(RouteError, match="must take the context first"):
        r.get("/nothing", lambda: None)
