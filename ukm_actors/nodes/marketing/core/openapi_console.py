"""The marketing console's routes in the marketing server's OpenAPI document
(``nodes/marketing/console/api.py``; the login is the cash server's, through the ask
``auth.login``)."""

from __future__ import annotations

from typing import Any

from ukm_actors.nodes.marketing.core.openapi_schemas import TEXT, Schema, list_of, obj, ref

Op = tuple[str, str, str, Schema | None, Any, dict[int, tuple[str, Schema | None]]]
_E = ref("Error")
BAD = {400: ("invalid body or field (the message names it)", _E)}
MISSING = {404: ("no such object", _E)}


def loose(required: list[str]) -> Schema:
    """An object answer with these fields (and possibly more)."""
    return {"type": "object", "required": required}


ANY = {"type": "object"}
PREVIEW = {
    "campaign": {"id": "TRY10", "name": "Try -10%",
                 "action": {"type": "percent", "value": 1000, "scope": "line"}},
    "store": "17",
    "receipt": {"lines": [{"article": "1001", "quantity": 2000, "price": 8990}]},
}  # fmt: skip

CONSOLE_OPERATIONS: list[Op] = [
    ("post", "/api/v1/login", "Log in with a cash server employee's login and password "
     "(asked of the cash server; its throttling applies)",
     obj(["login", "password"], {"login": TEXT, "password": TEXT}),
     {"login": "anna", "password": "correct horse"},
     {200: ("the token", obj(["token"], {"token": TEXT, "expires": {"type": "integer"},
                                         "employee": ANY})), **BAD,
      503: ("`auth.unavailable`: no cash server to ask (or it does not answer)", _E)}),
    ("post", "/api/v1/logout", "End this login (on the cash server)", None, None,
     {200: ("done", ANY)}),
    ("get", "/api/v1/me", "Who this token is: {login, name, role}", None, None,
     {200: ("the employee", obj(["login", "role"], {"login": TEXT, "name": TEXT, "role": TEXT}))}),
    ("post", "/api/v1/campaigns/preview", "Price a sample receipt with a campaign being edited "
     "(and the store's running campaigns) through the tills' engine; nothing is saved",
     obj(["campaign", "receipt"], {"campaign": ANY, "receipt": ANY, "store": TEXT, "at": TEXT,
                                   "card": TEXT, "coupons": list_of(TEXT)}), PREVIEW,
     {200: ("the priced receipt", loose(["lines", "total", "discount"])), **BAD}),
    ("get", "/api/v1/coupon-campaigns", "Coupon campaigns with their counts", None, None,
     {200: ("coupon campaigns", loose(["coupon_campaigns"]))}),
    ("get", "/api/v1/coupon-campaigns/{id}/codes", "The codes of a coupon campaign (`batch=` "
     "narrows it), for export", None, None, {200: ("codes", loose(["coupons"])), **MISSING}),
    ("get", "/api/v1/certificate-series", "Certificate series with their counts", None, None,
     {200: ("series", loose(["series"]))}),
    ("get", "/api/v1/certificates/{number}/history", "One certificate and every operation on "
     "it (sold, paid, voided, blocked)", None, None, {200: ("history", loose(["history"])),
                                                     409: ("`certificate.unknown`", _E)}),
    ("post", "/api/v1/certificates/{number}/block", "Block a certificate (lost or stolen): "
     "it neither sells nor pays", None, None, {200: ("the certificate", ANY),
                                               409: ("`certificate.unknown`", _E)}),
    ("post", "/api/v1/certificates/{number}/unblock", "Lift the block", None, None,
     {200: ("the certificate", ANY), 409: ("`certificate.unknown`", _E)}),
    ("get", "/api/v1/cards/{number}/history", "A loyalty card's points: every operation",
     None, None, {200: ("history", loose(["history"])), 409: ("`card.unknown`", _E)}),
    ("get", "/api/v1/loyalty/programs", "The loyalty programs as the server runs them: the "
     "levels with their cards, the bonus rules", None, None,
     {200: ("the programs", loose(["accumulative", "bonus"]))}),
]  # fmt: skip
