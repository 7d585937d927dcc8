"""The till's OpenAPI 3.1 document, served at ``GET /api/v1/openapi.json``.

A table next to the routes (``docs/till-api.md`` describes each one in words);
a test checks that every route the till serves is in it, and nothing else.
"""

from __future__ import annotations

from typing import Any

from ukm_actors.nodes.openapi import STATUS_OPS, Op, document

A = "/api/v1"
SUP = "object"
"""``supervisor``: ``{"code", "password"}`` of a supervisor granting the right once."""
LOGIN = "the logged-in cashier"

OPS: tuple[Op, ...] = (
    *STATUS_OPS,
    Op(
        "post",
        f"{A}/login",
        "Log a cashier in",
        body={"code": "string", "password": "string", "card": "string"},
    ),
    Op(
        "post",
        f"{A}/login/unlock",
        "Forget a cashier's failed logins",
        "a supervisor",
        body={"code": "string", "supervisor": SUP},
    ),
    Op("post", f"{A}/logout", "Log the cashier out"),
    Op("get", f"{A}/login", "Who is logged in"),
    Op("post", f"{A}/lock", "Lock the till until a cashier logs in", LOGIN),
    Op("get", f"{A}/shift", "The open shift and its totals", LOGIN),
    Op("post", f"{A}/shift/open", "Open a shift", "open_shift", body={"supervisor": SUP}),
    Op(
        "post",
        f"{A}/shift/close",
        "Close the shift (Z report)",
        "close_shift",
        body={"supervisor": SUP},
    ),
    Op("get", f"{A}/shift/x-report", "X report", "x_report", query={"print": "string"}),
    Op(
        "post",
        f"{A}/cash/in",
        "Cash in (kopecks)",
        "cash_in",
        body={"amount": "integer", "supervisor": SUP},
    ),
    Op(
        "post",
        f"{A}/cash/out",
        "Cash out (kopecks)",
        "cash_out",
        body={"amount": "integer", "supervisor": SUP},
    ),
    Op("get", f"{A}/receipt", "The open receipt, its question and notice"),
    Op(
        "post",
        f"{A}/receipt/lines",
        "Add a line (quantity in thousandths)",
        "sell",
        ok=201,
        body={
            "barcode": "string",
            "article": "string",
            "quantity": "integer",
            "price_type": "string",
            "age_confirmed": "boolean",
            "birth_date": "string",
            "seller": "string",
            "supervisor": SUP,
        },
    ),
    Op(
        "put",
        f"{A}/receipt/lines/{{position}}",
        "Change a line's quantity",
        "sell",
        body={"quantity": "integer", "supervisor": SUP},
        ints=("position",),
    ),
    Op("delete", f"{A}/receipt/lines/{{position}}", "Void a line", "void_line", ints=("position",)),
    Op(
        "post",
        f"{A}/receipt/answer",
        "Answer the receipt's question",
        "sell",
        body={
            "age_confirmed": "boolean",
            "birth_date": "string",
            "price_type": "string",
            "cancel": "boolean",
        },
    ),
    Op(
        "post",
        f"{A}/receipt/card",
        "Put a loyalty card on the receipt",
        "sell",
        body={"card": "string"},
    ),
    Op("post", f"{A}/receipt/coupons", "Add a coupon", "sell", body={"code": "string"}),
    Op(
        "post",
        f"{A}/receipt/cancel",
        "Cancel the receipt",
        "cancel_receipt",
        body={"supervisor": SUP},
    ),
    Op(
        "post",
        f"{A}/receipt/payments",
        "Take a payment (kopecks)",
        "sell",
        body={
            "type": "string",
            "amount": "integer",
            "reference": "string",
            "rrn": "string",
            "supervisor": SUP,
        },
    ),
    Op("post", f"{A}/receipt/payments/cancel", "Cancel the card payment at the PIN pad", "sell"),
    Op(
        "delete",
        f"{A}/receipt/payments/{{tender}}",
        "Take an approved payment back",
        "void_line",
        ints=("tender",),
    ),
    Op(
        "post",
        f"{A}/receipt/payments/{{tender}}/resolve",
        "Settle a payment of unknown outcome",
        "sell",
        body={"approved": "boolean", "rrn": "string", "card_mask": "string"},
        ints=("tender",),
    ),
    Op("get", f"{A}/receipt/print-queue", "Print jobs not yet printed"),
    Op(
        "post",
        f"{A}/receipt/reprint",
        "Print pending jobs again",
        "reprint",
        body={"job_id": "integer"},
    ),
    Op(
        "post",
        f"{A}/returns",
        "A return (online, or offline with a supervisor)",
        "return",
        ok=201,
        body={
            "receipt_id": "string",
            "store": "string",
            "till": "integer",
            "shift_num": "integer",
            "number": "integer",
            "lines": "object",
            "items": "array",
            "supervisor": SUP,
        },
    ),
    Op(
        "get",
        f"{A}/returns/original",
        "The original receipt of a return",
        "return",
        query={
            "receipt_id": "string",
            "store": "string",
            "till": "string",
            "shift_num": "string",
            "number": "string",
        },
    ),
    Op(
        "post",
        f"{A}/receipt/register",
        "Register the paid receipt on the fiscal register again (new_register_shift: "
        "after closing the register's shift that is over 24 h; right close_shift)",
        "sell",
        body={"new_register_shift": "boolean", "supervisor": SUP},
    ),
    Op("get", f"{A}/fiscal", "What the fiscal register does now", LOGIN),
    Op("get", f"{A}/devices", "The till's devices and their states"),
    Op("get", f"{A}/ui", "The cashier screen's setup and surroundings"),
    Op(
        "get",
        f"{A}/events",
        "Server-sent events: a change a screen shows",
        content="text/event-stream",
    ),
    Op("get", f"{A}/openapi.json", "This description"),
    Op("get", "/", "The cashier's screen", content="text/html"),
    Op("get", "/display", "The customer display", content="text/html"),
    Op("get", "/ui/messages", "The screen's texts in a language", query={"lang": "string"}),
    Op("get", "/ui/{path}", "The screens' assets (scripts, styles)", content="*/*"),
)


def spec() -> dict[str, Any]:
    """The till's whole OpenAPI document."""
    return document(
        "UKM till API",
        "The cashier's API of one till (docs/till-api.md). Money is in kopecks, quantities "
        "in thousandths; one cashier is logged in at a time (POST /api/v1/login).",
        OPS,
    )
