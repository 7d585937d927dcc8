"""What the till API's handlers call, read from a request, and how they answer.

``TillApi`` is the handlers' context: the sale's services, looked up once
when the routes are installed.

A body is a JSON object; a field of the wrong kind is a ``BadRequest`` that
names it and says what it must be (money in kopecks, quantities in
thousandths). An answer is JSON in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import bottle

from ukm_actors.codecs import jsonsafe
from ukm_actors.domain.money import MAX_COUNT, MAX_QUANTITY
from ukm_actors.domain.rights import Right
from ukm_actors.i18n import _
from ukm_actors.i18n.web import localized
from ukm_actors.nodes.base import json_response
from ukm_actors.nodes.till.sale.auth import Grant, TillAuth
from ukm_actors.nodes.till.sale.errors import BadRequest
from ukm_actors.nodes.till.sale.fiscal import FiscalDesk
from ukm_actors.nodes.till.sale.flows import SaleFlows
from ukm_actors.nodes.till.sale.items import AddRequest
from ukm_actors.nodes.till.sale.printing import Printing

if TYPE_CHECKING:
    from ukm_actors.nodes.till.services import TillContext

API = "/api/v1"
ASK = 10.0
"""Seconds a handler waits for a sale actor's answer."""


@dataclass(frozen=True)
class TillApi:
    """What the till API's handlers call: the node, login and rights, the sale's flows."""

    ctx: TillContext
    auth: TillAuth
    flows: SaleFlows
    printing: Printing
    fiscal: FiscalDesk

    @classmethod
    def of(cls, ctx: TillContext) -> TillApi:
        s = ctx.services
        return cls(ctx, s.auth, s.sale_flows, s.printing, s.fiscal)

    def grant(self, right: Right | None, body: dict[str, Any]) -> Grant:
        """The cashier's (or the body's supervisor's) grant of ``right``; raises without it."""
        return self.auth.authorize(right, body.get("supervisor"))


def ok(body: Any, status: int = 200) -> bottle.HTTPResponse:
    """``body`` as the JSON answer, its texts in the reader's language."""
    return json_response(localized(body), status)


def read_body() -> dict[str, Any]:
    """The request's JSON object (``{}`` for an empty body)."""
    raw = bottle.request.body.read()
    if not raw:
        return {}
    try:
        body = jsonsafe.loads(raw)
    except jsonsafe.BadJson as exc:
        raise BadRequest(exc.message, hint=exc.hint) from None
    except ValueError:
        raise BadRequest(_("the request body is not valid JSON")) from None
    if not isinstance(body, dict):
        raise BadRequest(_("the request body must be a JSON object"))
    return body


def int_field(
    body: dict[str, Any],
    key: str,
    *,
    minimum: int = 1,
    maximum: int = MAX_COUNT,
) -> int:
    """The whole number ``body[key]``, required, within ``minimum``..``maximum``."""
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(_('"{key}" must be a whole number, not {value!r}', key=key, value=value))
    if value > maximum:
        raise BadRequest(
            _(
                '"{key}" must be at most {maximum}, not {value}',
                key=key,
                maximum=maximum,
                value=value,
            ),
            hint=_("money is in kopecks, quantities in thousandths (1 piece = 1000)"),
        )
    if value < minimum:
        raise BadRequest(
            _(
                '"{key}" must be at least {minimum}, not {value}',
                key=key,
                minimum=minimum,
                value=value,
            )
        )
    return value


def optional_int(body: dict[str, Any], key: str, *, maximum: int = MAX_COUNT) -> int | None:
    """``int_field``, or None when ``body`` has no ``key`` (or it is null)."""
    return None if body.get(key) is None else int_field(body, key, maximum=maximum)


def str_field(body: dict[str, Any], key: str) -> str | None:
    """The non-empty text ``body[key]`` (stripped), or None when it is absent."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(_('"{key}" must be a non-empty text', key=key))
    return value.strip()


def add_request(body: dict[str, Any]) -> AddRequest:
    """The ``POST /receipt/lines`` body as an ``AddRequest``."""
    birth = body.get("birth_date")
    born = None
    if birth is not None:
        try:
            born = date.fromisoformat(str(birth))
        except ValueError:
            raise BadRequest(
                _('"birth_date" {birth!r} is not a date yyyy-mm-dd', birth=birth)
            ) from None
    barcode, article = str_field(body, "barcode"), str_field(body, "article")
    if bool(barcode) == bool(article):
        raise BadRequest(_('give exactly one of "barcode" or "article"'))
    certificate = str_field(body, "certificate")
    if certificate is not None and article is None:
        raise BadRequest(_('a "certificate" is sold with the "article" of its series'))
    return AddRequest(
        barcode=barcode,
        article=article,
        certificate=certificate,
        quantity=optional_int(body, "quantity", maximum=MAX_QUANTITY),
        price_type=str_field(body, "price_type"),
        age_confirmed=body.get("age_confirmed") is True,
        birth_date=born,
        seller=str_field(body, "seller"),
    )
