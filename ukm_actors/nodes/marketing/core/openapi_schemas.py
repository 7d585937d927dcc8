"""Schemas of the marketing admin API's OpenAPI document (``openapi.py``)."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

TEXT: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
KOPECKS: Schema = {"type": "integer", "minimum": 0, "description": "kopecks"}
TIME: Schema = {
    "type": ["string", "null"],
    "description": "store-local date-time yyyy-mm-ddThh:mm:ss (no zone)",
}
UTC_TIME: Schema = {"type": ["string", "null"], "description": "UTC yyyy-mm-ddThh:mm:ssZ"}


def obj(required: list[str], props: dict[str, Schema], *, extra: bool = False) -> Schema:
    out: Schema = {"type": "object", "required": required, "properties": props}
    if not extra:
        out["additionalProperties"] = False
    return out


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def list_of(item: Schema) -> Schema:
    return {"type": "array", "items": item}


ACTION: Schema = {
    "description": "What the campaign gives (one of the action types).",
    "oneOf": [
        obj(
            ["type", "value"],
            {
                "type": {"enum": ["percent", "amount"]},
                "value": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "percent: basis points (1000 = 10 %, at most 10000); "
                    "amount: kopecks (line scope: per unit, per kg weighed)",
                },
                "scope": {"enum": ["line", "group", "receipt"], "default": "line"},
            },
        ),
        obj(
            ["type", "price"],
            {
                "type": {"const": "fixed_price"},
                "price": {**KOPECKS, "description": "kopecks per unit"},
            },
        ),
        obj(
            ["type", "n", "m"],
            {
                "type": {"const": "n_for_m"},
                "n": {"type": "integer", "minimum": 2},
                "m": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "0 < m < n; whole units only",
                },
            },
        ),
        obj(
            ["type", "articles"],
            {
                "type": {"const": "cheapest_free"},
                "articles": {
                    **list_of(TEXT),
                    "minItems": 2,
                    "uniqueItems": True,
                    "description": "the set: one unit of each; required (the set is "
                    "its own item filter: conditions may stay empty)",
                },
            },
        ),
        obj(
            ["type", "article"],
            {
                "type": {"const": "gift"},
                "article": TEXT,
                "quantity": {
                    "type": "integer",
                    "minimum": 1,
                    "default": 1000,
                    "description": "thousandths of the item's unit (1000 = 1 piece "
                    "or 1 kg): that much of the gift is free",
                },
            },
        ),
        obj(
            ["type", "value"],
            {
                "type": {"const": "bonus"},
                "value": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "basis points of what is paid in money for the matching "
                    "lines; 1 point = 1 kopeck; rounded half up per campaign",
                },
            },
        ),
    ],
}

CONDITIONS: Schema = obj(
    [],
    {
        "articles": {**list_of(TEXT), "description": "items (empty with groups empty: every item)"},
        "groups": {**list_of(TEXT), "description": "groups, subgroups included"},
        "min_quantity": {
            **INT,
            "minimum": 0,
            "description": "thousandths, over the matching lines",
        },
        "min_amount": {**KOPECKS, "description": "over the matching lines, before discounts"},
        "min_receipt": {**KOPECKS, "description": "the whole receipt, before discounts"},
        "coupon": {
            "type": ["string", "null"],
            "description": "a coupon campaign id one of whose coupons must be presented",
        },
    },
)

CAMPAIGN_PROPS: dict[str, Schema] = {
    "id": {"type": "string", "minLength": 1, "maxLength": 60},
    "name": {"type": "string", "minLength": 1},
    "priority": {**INT, "default": 0, "description": "higher first; equal: by id"},
    "stacking": {"enum": ["stackable", "exclusive", "best"], "default": "stackable"},
    "starts": {**TIME, "description": "inclusive; null or absent: always"},
    "ends": {**TIME, "description": "exclusive; null or absent: never"},
    "days": {
        **list_of({"type": "integer", "minimum": 1, "maximum": 7}),
        "description": "ISO weekdays (1 = Monday); empty or absent: every day",
    },
    "hours": {
        "type": ["array", "null"],
        "items": {"type": "string", "pattern": "^\\d\\d:\\d\\d$"},
        "minItems": 2,
        "maxItems": 2,
        "description": "[from, to), across midnight when from > to; absent: all day",
    },
    "stores": {**list_of(TEXT), "description": "store codes; empty or absent: every store"},
    "customer": {"enum": ["any", "card", "level"], "default": "any"},
    "min_level": {
        **INT,
        "minimum": 0,
        "default": 0,
        "description": "customer level: the card's level must be at least this",
    },
    "conditions": CONDITIONS,
    "action": ACTION,
}
CAMPAIGN_IN = obj(["id", "name", "action"], CAMPAIGN_PROPS)
CAMPAIGN_OUT = obj(list(CAMPAIGN_PROPS), {**CAMPAIGN_PROPS, "enabled": {"type": "boolean"}})

ERROR = obj(["code", "message"], {"code": TEXT, "message": TEXT, "hint": TEXT})

CARD = obj(
    ["number", "holder", "state", "level", "accumulated", "bonus"],
    {
        "number": TEXT,
        "holder": TEXT,
        "state": {"enum": ["active", "blocked"]},
        "level": {**INT, "description": "how many level_thresholds accumulated has reached (>=)"},
        "accumulated": {**KOPECKS, "description": "purchases paid in money, returns taken off"},
        "bonus": obj(["spendable", "pending"], {"spendable": INT, "pending": INT}),
    },
)
CERTIFICATE = obj(
    ["number", "series_id", "state", "face_value", "balance", "expires_at"],
    {
        "number": TEXT,
        "series_id": TEXT,
        "state": {"enum": ["created", "sold", "redeemed", "expired"]},
        "face_value": KOPECKS,
        "balance": KOPECKS,
        "expires_at": UTC_TIME,
    },
)
COUPON = obj(["code", "campaign_id", "state", "batch", "issued_receipt", "expires_at",
               "redeemed_at", "redeemed_receipt", "redeemed_by"], {
    "code": TEXT, "campaign_id": TEXT, "state": {"enum": ["issued", "redeemed"]},
    "batch": {"type": ["string", "null"]}, "issued_receipt": {"type": ["string", "null"]},
    "expires_at": UTC_TIME, "redeemed_at": UTC_TIME,
    "redeemed_receipt": {"type": ["string", "null"]},
    "redeemed_by": {"type": ["string", "null"], "description": "the till's node id"},
})  # fmt: skip
TILL_COPY = obj(
    ["node_id", "number", "active", "campaigns_sha", "campaigns"],
    {
        "node_id": TEXT,
        "number": INT,
        "active": {"type": "boolean"},
        "campaigns_sha": {
            "type": ["string", "null"],
            "description": "SHA-256 of the last copy queued for the till",
        },
        "campaigns": obj(
            ["version", "delivered"],
            {
                "version": {
                    "type": ["string", "null"],
                    "description": "the campaign set version of the last copy queued for the "
                    "till, when it is the store's current one (else null)",
                },
                "delivered": {
                    "type": "boolean",
                    "description": "the till acknowledged that copy: it prices with it",
                },
            },
        ),
    },
)
STORES = obj(
    ["stores", "items"],
    {
        "stores": list_of(
            obj(
                ["code", "name", "active", "campaigns_version", "tills"],
                {
                    "code": TEXT,
                    "name": TEXT,
                    "active": {"type": "boolean"},
                    "campaigns_version": {
                        "type": ["string", "null"],
                        "description": "version of the store's current campaign set",
                    },
                    "tills": list_of(ref("TillCopy")),
                },
            )
        ),
        "items": {**INT, "description": "items the catalog feed brought"},
    },
)
REPORT = obj(
    ["report", "from", "to", "columns", "rows", "totals"],
    {
        "report": {"enum": ["campaigns", "coupons", "certificates", "bonus"]},
        "from": TEXT,
        "to": TEXT,
        "columns": list_of(TEXT),
        "rows": list_of({"type": "object"}),
        "totals": {"type": "object", "description": "sums of the whole-number columns"},
    },
)

SCHEMAS: dict[str, Schema] = {
    "Error": ERROR,
    "Campaign": CAMPAIGN_IN,
    "CampaignOut": CAMPAIGN_OUT,
    "Card": CARD,
    "Certificate": CERTIFICATE,
    "Coupon": COUPON,
    "TillCopy": TILL_COPY,
    "Stores": STORES,
    "Report": REPORT,
}
