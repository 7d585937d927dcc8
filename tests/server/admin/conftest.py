"""Fixtures for admin API tests: a server node on the example catalog, employees, a client."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.nodes.helpers import http, start_node
from tests.server.catalog.conftest import STAFF_PASSWORD as PASSWORD
from tests.server.catalog.conftest import fresh_url, templates  # noqa: F401 - fixtures


class Api:
    """A small JSON client for one node; ``login`` sets the bearer token."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.token: str | None = None

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        # messages in English: the assertions read them (the default is Russian, docs/i18n.md)
        headers = {"Content-Type": "application/json", "Accept-Language": "en"}
        tok = token if token is not None else self.token
        if tok:
            headers["Authorization"] = f"Bearer {tok}"
        data = (
            None
            if body is None
            else (body if isinstance(body, bytes) else json.dumps(body).encode())
        )
        r = http.request(method, self.url + path, body=data, headers=headers)
        return r.status, (json.loads(r.data) if r.data else None)

    def get(self, path: str, **kw: Any) -> tuple[int, Any]:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return self.call("POST", path, body if body is not None else {}, **kw)

    def put(self, path: str, body: Any, **kw: Any) -> tuple[int, Any]:
        return self.call("PUT", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> tuple[int, Any]:
        return self.call("DELETE", path, **kw)

    def login(self, login: str, password: str = PASSWORD) -> Api:
        code, body = self.post("/api/v1/login", {"login": login, "password": password})
        assert code == 200, body
        self.token = body["token"]
        return self


@pytest.fixture
def server_url(fresh_url):  # noqa: F811
    """The example catalog and the employees admin, manager, viewer."""
    return fresh_url("staff")


@pytest.fixture
def node(server_url, tmp_path):
    n = start_node("server", tmp_path, server_url, server={"import_poll": 60.0})
    yield n
    n.stop()


@pytest.fixture
def api(node):
    """``api(login)``: a client logged in as admin, manager or viewer (``api(None)``: anonymous)."""

    def make(login: str | None = "admin") -> Api:
        client = Api(node.ctx.url)
        return client.login(login) if login else client

    return make
