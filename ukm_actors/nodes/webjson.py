"""Every node's bottle app answers in JSON, also when no route answers.

Bottle's own answers to an unknown route (404), a method a route does not
take (405) or a path parameter it cannot convert (400) are HTML pages; a
node's APIs speak JSON, so ``install(app)`` replaces them with
``{"code", "message", "hint"}`` bodies. It also bounds the ``<n:int>`` path
parameter: a number over ``MAX_PATH_INT`` is a 400 naming it, not a
database error later. ``out_of_range`` is the 400 answer (``JsonErrors``) to a
value the database cannot hold.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import bottle
from sqlalchemy.exc import DataError

from ukm_actors.i18n import _

log = logging.getLogger(__name__)

MAX_PATH_INT = 2**63 - 1
"""Largest number a path parameter may be (a signed 64-bit number)."""

_INT = re.compile(r"-?\d+")


def _path_int(text: str) -> int:
    if len(text.lstrip("-")) > 19 or abs(int(text)) > MAX_PATH_INT:
        raise ValueError(text)
    return int(text)


def _int_filter(_conf: str) -> tuple[str, Any, Any]:
    return _INT.pattern, _path_int, lambda x: str(int(x))


def _body(res: bottle.HTTPError) -> dict[str, Any]:
    req = bottle.request
    where = f"{req.method} {req.path}"
    status = res.status_code
    if status == 404:
        return {
            "code": "http.not_found",
            "message": _("no route {where} on this node", where=where),
            "hint": _("the node's OpenAPI document lists its routes"),
        }
    if status == 405:
        allowed = res.headers.get("Allow", "")
        return {
            "code": "http.method_not_allowed",
            "message": _("{method} is not allowed on {path}", method=req.method, path=req.path),
            "hint": _("allowed: {methods}", methods=allowed),
        }
    if status == 400 and str(res.body) == "Path has wrong format.":
        return {
            "code": "http.bad_path",
            "message": _(
                "{where}: a number in the path is not a whole number within {limit}",
                where=where,
                limit=MAX_PATH_INT,
            ),
        }
    return {"code": f"http.{status}", "message": str(res.body or res.status_line)}


def out_of_range(exc: DataError | OverflowError) -> dict[str, Any]:
    """The answer to a value the database cannot hold (a number beyond its column, text
    it cannot store): the request's fault, refused as a whole (its transaction rolled back)."""
    detail = str(exc.orig if isinstance(exc, DataError) else exc).strip().splitlines()[0]
    log.info("refused %s %s: %s", bottle.request.method, bottle.request.path, detail)
    return {
        "code": "request.out_of_range",
        "message": _("a value of the request is out of range: {detail}", detail=detail[:200]),
        "hint": _("nothing was changed; send values within the documented ranges"),
    }


def install(app: bottle.Bottle, localize: Any = None) -> None:
    """JSON error answers and bounded ``<n:int>`` path parameters on ``app``.
    ``localize(body) -> body`` translates the texts for the request's reader."""

    def error_page(res: bottle.HTTPError) -> str:
        body = _body(res)
        if localize is not None:
            body = localize(body)
        bottle.response.content_type = "application/json; charset=utf-8"
        return json.dumps(body, ensure_ascii=False, default=str)

    app.router.add_filter("int", _int_filter)
    app.default_error_handler = error_page  # type: ignore[method-assign]
