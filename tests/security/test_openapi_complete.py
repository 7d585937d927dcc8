"""Every route a node serves is in the OpenAPI document it serves (the bridge's
``/mailbox/v1`` routes are described in docs/bridge.md instead), and nothing else."""

import re

import pytest

from tests.nodes.helpers import get_json, start_node


def served(app):
    out = set()
    for route in app.routes:
        if route.rule.startswith("/mailbox/v1/"):
            continue
        out.add((route.method.lower(), re.sub(r"<(\w+)(?::[^>]+)?>", r"{\1}", route.rule)))
    return out


@pytest.mark.parametrize("role", ["server", "till"])
def test_every_route_is_in_the_nodes_openapi_document(tmp_path, make_db_url, role):
    node = start_node(role, tmp_path, make_db_url(role))
    try:
        status, doc = get_json(node.ctx.url + "/api/v1/openapi.json")
        assert status == 200 and doc["openapi"].startswith("3.1")
        documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
        assert served(node.ctx.app) == documented
        for path, ops in doc["paths"].items():
            for method, op in ops.items():
                assert "default" in op["responses"], (method, path)
    finally:
        node.stop()
