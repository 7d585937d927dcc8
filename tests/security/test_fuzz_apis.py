"""Property-based fuzzing of the admin, marketing and till HTTP APIs from the OpenAPI
documents the nodes serve (schemathesis on hypothesis), against real nodes over
real HTTP: valid and invalid requests to every operation, logged in. No answer
may be a 500, and every answer must match its documented status, media type and
schema. Bounded: ``FUZZ_EXAMPLES`` requests per mode and API (deterministic, so a
CI run repeats the last one; ``UKM_FUZZ_EXAMPLES`` and ``UKM_FUZZ_RANDOM=1`` widen
it by hand)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.marketing.helpers import TOKEN
from tests.nodes.helpers import get_json, http, start_node

FUZZ_EXAMPLES = int(os.environ.get("UKM_FUZZ_EXAMPLES", "120"))


@schemathesis.check
def no_internal_error(ctx, response, case):
    """No 5xx but 503: a device or a peer that is not there is a documented answer."""
    if response.status_code >= 500 and response.status_code != 503:
        raise AssertionError(f"{response.status_code}: {response.text[:300]}")


CHECKS = [
    no_internal_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SKIP = {
    ("post", "/api/v1/logout"),  # would end the fuzzer's own login
    ("post", "/api/v1/lock"),
    ("get", "/api/v1/events"),  # a stream that stays open
}

pytestmark = pytest.mark.timeout(300)


def fuzz(url: str, headers: dict[str, str]) -> int:
    """Run both generation modes against the node at ``url``; returns requests made."""
    status, doc = get_json(url + "/api/v1/openapi.json", headers=headers)
    assert status == 200
    schema = schemathesis.openapi.from_dict(doc).include(
        lambda ctx: (ctx.operation.method.lower(), ctx.operation.path) not in SKIP
    )
    made = 0
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            derandomize=os.environ.get("UKM_FUZZ_RANDOM") != "1",
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=schema.as_strategy(mode))
        def run(case: schemathesis.Case) -> None:
            nonlocal made
            made += 1
            response = case.call(base_url=url, headers=headers, timeout=15)
            case.validate_response(response, checks=CHECKS, headers=headers)

        run()
    return made


def test_fuzz_the_admin_api(tmp_path, db_url):
    from ukm_actors.nodes.server.admin import auth

    server = start_node("server", tmp_path, db_url)
    try:
        with server.ctx.db.write() as s:
            auth.create_employee(s, "fuzz", "correct horse battery", "admin", "Fuzz")
            token, _, _ = auth.login(s, "fuzz", "correct horse battery", hours=1)
        assert fuzz(server.ctx.url, {"Authorization": f"Bearer {token}"}) > 0
    finally:
        http.clear()
        server.stop()


def test_fuzz_the_marketing_api(tmp_path, db_url):
    marketing = start_node("marketing", tmp_path, db_url, marketing={"admin_token": TOKEN})
    try:
        assert fuzz(marketing.ctx.url, {"Authorization": f"Bearer {TOKEN}"}) > 0
    finally:
        http.clear()
        marketing.stop()


def test_fuzz_the_till_api(start_till):
    node, client = start_till()
    client.login()
    client.post("/shift/open")
    assert fuzz(node.ctx.url, {"Accept-Language": "en"}) > 0
