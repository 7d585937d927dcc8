"""The OpenAPI 3.1 description of the marketing server's admin API, at ``GET /api/v1/openapi.json``.

Written by hand next to the routes. ``tests/marketing/test_openapi.py`` checks that
every route under ``/api/v1`` is in it (and nothing else), that every example
validates against its schema, and that the request examples, sent to a real
marketing server in order, get the documented status and an answer that fits
the documented schema. Money is kopecks, quantities thousandths, percents basis
points (1000 = 10 %).
"""

from __future__ import annotations

from typing import Any

from ukm_actors.nodes.marketing.core.openapi_console import CONSOLE_OPERATIONS
from ukm_actors.nodes.marketing.core.openapi_schemas import (
    KOPECKS,
    SCHEMAS,
    TEXT,
    Schema,
    list_of,
    obj,
    ref,
)

# -- operations ----------------------------------------------------------------------------

MILK10 = {
    "id": "MILK10", "name": "Milk -10%", "priority": 10, "stacking": "stackable",
    "days": [1, 2, 3, 4, 5, 6, 7], "customer": "any",
    "conditions": {"articles": ["1001"], "min_quantity": 2000},
    "action": {"type": "percent", "value": 1000, "scope": "line"},
}  # fmt: skip
SPRING = {"id": "SPRING", "name": "Spring coupons", "prefix": "77", "length": 10,
          "check_digit": True, "valid_days": 30}  # fmt: skip
GC500 = {"id": "GC500", "name": "Gift 500", "face_value": 50000, "article": "CERT500",
         "prefix": "9", "length": 10, "check_digit": True, "valid_days": 365}  # fmt: skip

Op = tuple[str, str, str, Schema | None, Any, dict[int, tuple[str, Schema | None]]]
"""(method, path, summary, request schema, request example, {status: (meaning, schema)})."""

_ID = obj(["id"], {"id": TEXT})
_E = ref("Error")
BAD = {400: ("invalid body or field (the message names it)", _E)}
MISSING = {404: ("no such object", _E)}

OPERATIONS: list[Op] = [
    ("get", "/api/v1/openapi.json", "This document (no login)", None, None,
     {200: ("the OpenAPI document", {"type": "object"})}),
    ("get", "/api/v1/campaigns", "Every campaign, enabled or not", None, None,
     {200: ("campaigns", obj(["campaigns"], {"campaigns": list_of(ref("CampaignOut"))}))}),
    ("post", "/api/v1/campaigns", "Create a campaign (the tills' copies are re-published in "
     "the same transaction)", ref("Campaign"), MILK10,
     {201: ("created", _ID), **BAD, 409: ("a campaign with this id exists (PUT it)", _E)}),
    ("get", "/api/v1/campaigns/{id}", "One campaign", None, None,
     {200: ("the campaign", ref("CampaignOut")), **MISSING}),
    ("put", "/api/v1/campaigns/{id}", "Replace a campaign (every field; `id` may be left "
     "out, else it must be the path's)", ref("Campaign"), {**MILK10, "name": "Milk -15%",
     "action": {"type": "percent", "value": 1500}},
     {200: ("replaced", _ID), **BAD, **MISSING}),
    ("post", "/api/v1/campaigns/{id}/disable", "Stop a campaign (it leaves the tills' copies)",
     None, None, {200: ("its state", obj(["id", "enabled"], {"id": TEXT,
                                                              "enabled": {"type": "boolean"}})),
                  **MISSING}),
    ("post", "/api/v1/campaigns/{id}/enable", "Run a stopped campaign again", None, None,
     {200: ("its state", obj(["id", "enabled"], {"id": TEXT, "enabled": {"type": "boolean"}})),
      **MISSING}),
    ("post", "/api/v1/coupon-campaigns", "Create a coupon campaign: codes prefix + serial "
     "[+ Luhn digit], `length` characters in all", obj(["id", "prefix"], {
         "id": {"type": "string", "minLength": 1, "maxLength": 60}, "name": TEXT,
         "prefix": {"type": "string", "pattern": "^[A-Za-z0-9]{1,20}$"},
         "length": {"type": "integer", "minimum": 4, "maximum": 40, "default": 13},
         "check_digit": {"type": "boolean", "default": True},
         "valid_days": {"type": "integer", "minimum": 1,
                        "description": "a coupon is valid this long after its issue"},
         "valid_until": {"type": "string", "description": "UTC date-time; the earlier wins"},
     }), SPRING, {201: ("created", _ID), **BAD, 409: ("exists", _E)}),
    ("post", "/api/v1/coupon-campaigns/{id}/batches", "Issue a batch of unique codes",
     obj(["count"], {"count": {"type": "integer", "minimum": 1, "maximum": 100000}}),
     {"count": 3},
     {201: ("the batch", obj(["batch", "codes"], {"batch": TEXT, "codes": list_of(TEXT)})),
      **BAD, **MISSING, 409: ("the campaign is disabled, or its codes are all used", _E)}),
    ("get", "/api/v1/coupons/{code}", "One coupon and its history", None, None,
     {200: ("the coupon", ref("Coupon")), **MISSING}),
    ("post", "/api/v1/certificate-series", "Create a gift certificate series",
     obj(["id", "face_value", "article"], {
         "id": {"type": "string", "minLength": 1, "maxLength": 60}, "name": TEXT,
         "face_value": {**KOPECKS, "minimum": 1},
         "article": {"type": "string", "description": "the item a till sells it as"},
         "prefix": {"type": "string", "pattern": "^[A-Za-z0-9]{0,20}$"},
         "length": {"type": "integer", "default": 13},
         "check_digit": {"type": "boolean", "default": True},
         "valid_days": {"type": "integer", "minimum": 1, "default": 365,
                        "description": "valid this long after its sale"},
     }), GC500, {201: ("created", _ID), **BAD, 409: ("exists", _E)}),
    ("post", "/api/v1/certificate-series/{id}/certificates", "Create certificates (state "
     "`created`: a till's sale activates each)",
     obj(["count"], {"count": {"type": "integer", "minimum": 1}}), {"count": 2},
     {201: ("their numbers", obj(["numbers"], {"numbers": list_of(TEXT)})), **BAD, **MISSING}),
    ("get", "/api/v1/certificates/{number}", "One certificate", None, None,
     {200: ("the certificate", ref("Certificate")),
      409: ("`certificate.unknown`: no certificate has this number", _E)}),
    ("post", "/api/v1/cards", "Register a loyalty card", obj(["number"], {
         "number": {"type": "string", "pattern": "^[A-Za-z0-9]{1,40}$"}, "holder": TEXT,
         "state": {"enum": ["active", "blocked"], "default": "active"}}),
     {"number": "7770001", "holder": "Ivanova"},
     {201: ("registered", obj(["number"], {"number": TEXT})), **BAD,
      409: ("a card with this number exists", _E)}),
    ("get", "/api/v1/cards/{number}", "One card: level, accumulated purchases, points", None,
     None, {200: ("the card", ref("Card")), 409: ("`card.unknown`", _E)}),
    ("patch", "/api/v1/cards/{number}", "Block or unblock a card, or change its holder",
     obj([], {"state": {"enum": ["active", "blocked"]}, "holder": TEXT}),
     {"state": "blocked"}, {200: ("the card", ref("Card")), **BAD, **MISSING}),
    ("get", "/api/v1/stores", "Stores and tills the cash server's feeds brought, and which "
     "campaign version each till has", None, None, {200: ("stores", ref("Stores"))}),
]  # fmt: skip

REPORT_QUERY = ("from", "to", "format")
REPORTS = {
    "campaigns": "Per campaign, store and store-local day: receipts, discount, sales "
    "(`store`, `campaign` narrow it)",
    "coupons": "Per coupon campaign: issued, redeemed, expired in the period; open now",
    "certificates": "Per series: sold, redeemed, forfeited, expired; outstanding now",
    "bonus": "Per day: points earned, spent, clawed back, expired",
}
for _name, _summary in REPORTS.items():
    for _suffix in ("", ".csv"):
        OPERATIONS.append(
            (
                "get",
                f"/api/v1/reports/{_name}{_suffix}",
                _summary,
                None,
                None,
                {200: ("the report (JSON money in kopecks; CSV as 89.90)", ref("Report")), **BAD},
            )
        )


OPERATIONS.extend(CONSOLE_OPERATIONS)


def _operation(op: Op) -> dict[str, Any]:
    method, path, summary, body, example, answers = op
    out: dict[str, Any] = {"summary": summary, "responses": {}}
    params = [
        {"name": p.strip("{}"), "in": "path", "required": True, "schema": TEXT}
        for p in path.split("/")
        if p.startswith("{")
    ]
    if path.startswith("/api/v1/reports/"):
        names = ("from", "to", "format", *(("store", "campaign") if "campaigns" in path else ()))
        params += [{"name": n, "in": "query", "required": False, "schema": TEXT} for n in names]
    if params:
        out["parameters"] = params
    if path == "/api/v1/openapi.json":
        out["security"] = []
    if body is not None:
        content: dict[str, Any] = {"schema": body}
        if example is not None:
            content["example"] = example
        out["requestBody"] = {"required": True, "content": {"application/json": content}}
    for status, (meaning, schema) in answers.items():
        answer: dict[str, Any] = {"description": meaning}
        if schema is not None:
            kind = "text/csv" if path.endswith(".csv") and status == 200 else "application/json"
            answer["content"] = {kind: {"schema": {"type": "string"} if kind == "text/csv"
                                        else schema}}  # fmt: skip
        out["responses"][str(status)] = answer
    if path != "/api/v1/openapi.json":
        out["responses"]["401"] = {"description": "no login (`auth.required`)",
                                   "content": {"application/json": {"schema": _E}}}  # fmt: skip
        out["responses"]["429"] = {
            "description": "too many wrong tokens from this address (`auth.throttled`, "
            "with Retry-After)",
            "content": {"application/json": {"schema": _E}},
        }
        if method != "get":
            out["responses"]["403"] = {
                "description": "a viewer may only read (`auth.forbidden`)",
                "content": {"application/json": {"schema": _E}},
            }
    return out


def spec() -> dict[str, Any]:
    """The OpenAPI document."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op[1], {})[op[0]] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "UKM marketing server admin API",
            "version": "1",
            "description": "Campaigns, coupons, gift certificates, loyalty cards, reports "
            "(docs/marketing.md). Money in kopecks, quantities in thousandths, percents in "
            "basis points. Every route but this document needs `Authorization: Bearer` "
            "with [marketing] admin_token or a cash server employee's login token.",
        },
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": paths,
    }
