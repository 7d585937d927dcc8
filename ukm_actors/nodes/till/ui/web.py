"""Routes of the cashier screen: the pages, their files and texts, state, the event stream.

Handlers are module-level functions taking the node's context, registered in ``install``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import bottle

from ukm_actors.domain.rights import Right
from ukm_actors.i18n import LANGUAGES, SOURCE_LANGUAGE, catalog
from ukm_actors.i18n.web import localized, request_language
from ukm_actors.nodes.base import json_response
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.till.sale.errors import BadRequest
from ukm_actors.nodes.till.sale.jsonviews import return_original_json
from ukm_actors.nodes.till.sale.originals import original_for_return
from ukm_actors.nodes.till.sale.returns import reference_of
from ukm_actors.nodes.till.services import TillContext
from ukm_actors.nodes.till.ui.state import screen_state

STATIC = Path(__file__).parent / "static"
API = "/api/v1"
NO_STORE = {"Cache-Control": "no-store"}


def _page(name: str) -> bottle.HTTPResponse:
    response: bottle.HTTPResponse = bottle.static_file(name, root=str(STATIC))
    response.set_header("Cache-Control", "no-cache")
    return response


def screen(_ctx: TillContext) -> bottle.HTTPResponse:
    """``GET /``: the cashier's screen."""
    return _page("index.html")


def display(_ctx: TillContext) -> bottle.HTTPResponse:
    """``GET /display``: the customer display (a second screen facing the buyer)."""
    return _page("display.html")


def static(_ctx: TillContext, path: str) -> bottle.HTTPResponse:
    """``GET /ui/<file>``: the pages' scripts, styles and pictures."""
    response: bottle.HTTPResponse = bottle.static_file(path, root=str(STATIC))
    response.set_header("Cache-Control", "no-cache")
    return response


def messages(_ctx: TillContext) -> bottle.HTTPResponse:
    """``GET /ui/messages?lang=ru``: ``{msgid: text}`` of the language, for the page's ``t()``."""
    lang = request_language()
    table: dict[str, str] = {}
    if lang != SOURCE_LANGUAGE:
        raw = getattr(catalog(lang), "_catalog", {})
        table = {k: v for k, v in raw.items() if isinstance(k, str) and k}
    return json_response({"language": lang, "languages": list(LANGUAGES), "messages": table})


def ui_state(ctx: TillContext) -> bottle.HTTPResponse:
    """``GET /api/v1/ui``: how this till's screen is set up, its links and devices."""
    response = json_response(localized(screen_state(ctx)))
    response.set_header("Cache-Control", "no-store")
    return response


def events(ctx: TillContext) -> Iterator[str]:
    """``GET /api/v1/events``: server-sent events, one ``change`` each time the revision moves."""
    bottle.response.content_type = "text/event-stream; charset=utf-8"
    bottle.response.set_header("Cache-Control", "no-store")
    bottle.response.set_header("X-Accel-Buffering", "no")
    raw = bottle.request.query.get("since", "")
    seen = int(raw) if raw.isdigit() else None
    return ctx.services.ui_events.stream(seen)


def original(ctx: TillContext) -> bottle.HTTPResponse:
    """``GET /api/v1/returns/original?receipt_id=…`` (or store, till, shift_num, number)."""
    ctx.services.auth.authorize(Right.RETURN, None)
    query = {k: bottle.request.query.get(k) for k in bottle.request.query.keys()}
    ref = reference_of({k: v for k, v in query.items() if v not in (None, "")})
    if not ref:
        raise BadRequest("name the original receipt")
    return json_response(localized(return_original_json(original_for_return(ctx, ref))))


def _bump_after_changes(ctx: TillContext) -> Callable[[], None]:
    def hook() -> None:
        request = bottle.request
        if (
            request.method in ("POST", "PUT", "DELETE")
            and request.path.startswith(API + "/")
            and bottle.response.status_code < 400
        ):
            revision = ctx.services.ui_events.bump("change")
            bottle.response.set_header("X-UKM-Revision", str(revision))

    return hook


def install(app: bottle.Bottle, ctx: TillContext) -> None:
    """Add the screen's routes to ``app``."""
    r = Routes(app, ctx)
    r.get("/", screen)
    r.get("/display", display)
    r.get("/ui/messages", messages)
    r.get("/ui/<path:path>", static)
    r.get(f"{API}/ui", ui_state)
    r.get(f"{API}/events", events)
    r.get(f"{API}/returns/original", original)
    app.add_hook("after_request", _bump_after_changes(ctx))
