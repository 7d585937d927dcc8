"""The marketing server's OpenAPI document: every route is in it, its examples fit its
schemas, and the examples sent to a real marketing server get the documented answers."""

import json
import re

import jsonschema
from referencing import Registry, Resource

from tests.marketing.helpers import TOKEN, api, feed_stores
from tests.nodes.helpers import http
from ukm_actors.nodes.marketing.core.openapi import OPERATIONS, spec


def validator(doc, schema):
    """A JSON Schema 2020-12 validator of ``schema`` that resolves ``#/components/...``."""
    whole = {**doc, "$schema": "https://json-schema.org/draft/2020-12/schema"}
    registry = Registry().with_resource("urn:openapi", Resource.from_contents(whole))
    text = json.dumps(schema).replace('"#/components/', '"urn:openapi#/components/')
    return jsonschema.Draft202012Validator(json.loads(text), registry=registry)


def documented_routes(doc):
    return {
        (m.upper(), re.sub(r"\{[^}]+\}", "{}", p)) for p, ops in doc["paths"].items() for m in ops
    }


def served_routes(app):
    out = set()
    for route in app.routes:
        if not route.rule.startswith("/api/v1/"):
            continue
        rule = route.rule
        found = re.search(r"<\w+:re:([^>]+)>", rule)
        rules = (
            [rule.replace(found.group(0), alt) for alt in found.group(1).split("|")]
            if found
            else [rule]
        )
        out |= {(route.method, re.sub(r"<[^>]+>", "{}", r)) for r in rules}
    return out


def test_every_marketing_route_is_documented_and_nothing_else(marketing):
    doc = spec()
    assert served_routes(marketing.ctx.app) == documented_routes(doc)
    assert doc["openapi"].startswith("3.1")
    status, served = api(marketing, "GET", "/api/v1/openapi.json", token=None)
    assert status == 200 and served == json.loads(json.dumps(doc))


def test_every_example_fits_its_schema():
    doc = spec()
    jsonschema.Draft202012Validator.check_schema({"$defs": doc["components"]["schemas"]})
    seen = 0
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                assert "example" in body, (method, path)
                validator(doc, body["schema"]).validate(body["example"])
                seen += 1
    assert seen == 10


PATHS = {
    "/api/v1/campaigns/{id}": "/api/v1/campaigns/MILK10",
    "/api/v1/campaigns/{id}/enable": "/api/v1/campaigns/MILK10/enable",
    "/api/v1/campaigns/{id}/disable": "/api/v1/campaigns/MILK10/disable",
    "/api/v1/coupon-campaigns/{id}/batches": "/api/v1/coupon-campaigns/SPRING/batches",
    "/api/v1/certificate-series/{id}/certificates": "/api/v1/certificate-series/GC500/certificates",
    "/api/v1/cards/{number}": "/api/v1/cards/7770001",
    "/api/v1/cards/{number}/history": "/api/v1/cards/7770001/history",
    "/api/v1/coupon-campaigns/{id}/codes": "/api/v1/coupon-campaigns/SPRING/codes",
}
NEEDS_CASH_SERVER = {"/api/v1/login"}
"""Employees log in through the cash server (ask auth.login): tests/browser covers it."""


def test_the_examples_get_the_documented_answers_from_a_real_server(marketing):
    doc = spec()
    feed_stores(marketing, {"17": 2})
    made = {}
    for method, path, _summary, _body, example, answers in OPERATIONS:
        if path in NEEDS_CASH_SERVER:
            continue
        concrete = PATHS.get(path, path)
        concrete = concrete.replace("{code}", made.get("code", "")).replace(
            "{number}", made.get("number", ""))  # fmt: skip
        if path.endswith(".csv"):
            r = http.request("GET", marketing.ctx.url + concrete,
                             headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
            assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv"), path
            continue
        status, answer = api(marketing, method.upper(), concrete, example,
                             token=None if path.endswith("openapi.json") else TOKEN)  # fmt: skip
        ok = min(answers)
        assert status == ok, (method, path, status, answer)
        schema = doc["paths"][path][method]["responses"][str(ok)]["content"]["application/json"]
        validator(doc, schema["schema"]).validate(answer)
        if "codes" in answer:
            made["code"] = answer["codes"][0]
        if "numbers" in answer:
            made["number"] = answer["numbers"][0]
    # documented refusals fit the Error schema too
    error = doc["components"]["schemas"]["Error"]
    for method, path, body, want in (
        ("GET", "/api/v1/campaigns/NOPE", None, 404),
        ("POST", "/api/v1/campaigns", {"id": "X", "name": "x", "action": {"type": "nope"}}, 400),
        ("POST", "/api/v1/campaigns", OPERATIONS[2][4], 409),
    ):
        status, answer = api(marketing, method, path, body)
        assert status == want, (path, answer)
        validator(doc, error).validate(answer)
    status, answer = api(marketing, "GET", "/api/v1/campaigns", token=None)
    assert status == 401 and answer["code"] == "auth.required"


def test_the_campaign_example_of_docs_marketing_md_fits_the_schema():
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "marketing.md").read_text(encoding="utf-8")
    example = json.loads(text.split("```json", 1)[1].split("```", 1)[0])
    assert example["id"] == "MILK10"
    validator(spec(), {"$ref": "#/components/schemas/Campaign"}).validate(example)
