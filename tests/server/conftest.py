"""Fixtures for server feature tests: a real server node and scripted tills."""

import pytest

from tests.nodes.helpers import start_node
from tests.server.tills import ScriptedTill


@pytest.fixture
def server_factory(tmp_path, db_url):
    """``server_factory(**server_settings)`` → a started server node (stopped afterwards)."""
    nodes = []

    def start(**server):
        settings = {"export_scan": 0.2, **server}
        node = start_node("server", tmp_path, db_url, server=settings)
        nodes.append(node)
        return node

    yield start
    for node in nodes:
        node.stop()


@pytest.fixture
def server(server_factory):
    return server_factory()


@pytest.fixture
def till(server):
    return ScriptedTill(server)


@pytest.fixture
def export_dir(server):
    return server.ctx.config.resolve(server.ctx.config.server.export_dir)


@pytest.fixture
def employee_token(server):
    """A logged-in viewer's bearer header for the server's APIs."""
    from ukm_actors.nodes.server.admin import auth

    with server.ctx.db.write() as s:
        auth.create_employee(s, "ivanova", "correct horse", "viewer", "Иванова")
        token, _, _ = auth.login(s, "ivanova", "correct horse", hours=1)
    return {"Authorization": f"Bearer {token}"}
