"""Attacks the system already held against (issue #11's preamble), kept defended.

Here: SQL injection through every API that searches, and an XML bomb dropped into the
import folder of a running server. The others have their tests where their code is
tested; ``DEFENDED`` names them, and a test checks that each still exists (so a rename
or a deletion cannot drop a defence silently). The map is in docs/security.md.
"""

# ruff: noqa: F811 - the fixtures imported from test_import_folder are the arguments

from __future__ import annotations

import importlib
import json

import pytest
from sqlalchemy import text

from tests.nodes.helpers import http
from tests.security.test_import_folder import (  # noqa: F401 - fixtures
    api,
    fresh_url,
    imports,
    inbox,
    row_of,
    server,
    templates,
    wait_for,
)
from tests.server.catalog.conftest import EXAMPLES  # noqa: F401

pytestmark = pytest.mark.timeout(90)

DEFENDED = {
    "forged signatures, unknown and disabled peers": (
        "tests.bridge.test_auth",
        "test_every_kind_of_bad_request_gets_401_with_its_reason",
        "test_a_disabled_peer_is_refused",
    ),
    "replayed requests": (
        "tests.bridge.test_auth",
        "test_every_kind_of_bad_request_gets_401_with_its_reason",
    ),
    "a till reading another till's documents": (
        "tests.bridge.test_auth",
        "test_a_till_cannot_read_another_tills_channel",
    ),
    "XML bombs and external entities": (
        "tests.codecs.test_safexml",
        "test_any_doctype_is_refused_before_parsing",
        "test_parser_itself_resolves_nothing_even_without_the_prolog_check",
    ),
    "oversized bodies": (
        "tests.nodes.test_node",
        "test_request_body_over_the_limit_gets_413",
    ),
    "oversized bridge batches": (
        "tests.bridge.test_inbox",
        "test_an_oversized_batch_gets_413_before_it_is_read",
    ),
    "two tills returning the same line at once": (
        "tests.server.sales.test_returns",
        "test_two_tills_reserving_the_same_line_at_once_cannot_both_succeed",
    ),
    "a double return through two tills": (
        "tests.till.test_returns",
        "test_a_double_return_is_refused",
    ),
    "two tills spending one certificate at once": (
        "tests.marketing.test_certificates",
        "test_two_tills_spending_one_certificate_at_once_never_overspend",
    ),
}


@pytest.mark.parametrize("attack", sorted(DEFENDED))
def test_every_defended_attack_keeps_its_test(attack):
    module, *names = DEFENDED[attack]
    tests = importlib.import_module(module)
    for name in names:
        assert callable(getattr(tests, name, None)), f"{attack}: {module}.{name} is gone"


INJECTIONS = [
    "' OR '1'='1",
    "%' OR 1=1 --",
    "x'; DROP TABLE catalog_item; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5)",
    "\\'; DELETE FROM admin_employee; --",
]


def counts(node) -> tuple[int, int, int]:
    with node.ctx.db.read() as s:
        return tuple(
            int(s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("catalog_item", "catalog_store", "admin_employee")
        )


@pytest.mark.parametrize("value", INJECTIONS)
def test_sql_injection_through_the_searches_finds_nothing_and_changes_nothing(server, api, value):
    before = counts(server)
    assert before[0] > 0, "the example catalog is loaded"
    for path, params in (
        ("/api/v1/items", {"q": value}),
        ("/api/v1/items", {"article": value}),
        ("/api/v1/items", {"barcode": value}),
        ("/api/v1/receipts", {"store": value, "cashier": value, "article": value}),
        ("/api/v1/shifts", {"store": value}),
        ("/api/v1/tills", {"store": value}),
        ("/api/v1/audit", {"who": value}),
    ):
        r = http.request(
            "GET",
            server.ctx.url + path,
            fields=params,
            headers={"Authorization": f"Bearer {api.token}"},
        )
        assert r.status in (200, 400, 403), (path, r.status, r.data[:200])
        if r.status == 200:
            body = json.loads(r.data)
            found = body.get("items") or body.get("receipts") or body.get("shifts") or []
            assert found == [], (path, found)
    for path in ("/api/v1/items/", "/api/v1/stores/", "/api/v1/receipts/"):
        r = http.request(
            "GET",
            server.ctx.url + path + value.replace("/", ""),
            headers={"Authorization": f"Bearer {api.token}"},
        )
        assert r.status in (400, 404), (path, r.status)
    r = http.request(
        "POST",
        server.ctx.url + "/api/v1/login",
        body=json.dumps({"login": value, "password": value}),
    )
    assert r.status in (400, 401, 429)
    assert counts(server) == before


def test_an_xml_bomb_in_the_import_folder_is_refused_and_the_server_stays_well(server, inbox, api):
    laughs = "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' if i else '<!ENTITY l0 "ha">' for i in range(10)
    )
    bomb = (
        f'<?xml version="1.0"?>\n<!DOCTYPE updateItems [{laughs}]>\n'
        '<updateItems fullness="I"><version>1.5</version><item><name>&l9;</name></item>'
        "</updateItems>\n"
    )
    before = counts(server)
    (inbox / "updateItems_[40]_[I].xml").write_text(bomb, encoding="utf-8")
    row = wait_for(lambda: row_of(api, "updateItems_[40]_[I].xml", "failed"))
    assert "DOCTYPE" in row["error"]
    assert counts(server) == before
    r = http.request("GET", server.ctx.url + "/health")
    assert r.status == 200
