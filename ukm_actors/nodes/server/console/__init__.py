"""Feature "console": the cash server's web console at ``/`` (docs/consoles.md).

One HTML page: the shared console shell (``ukm_actors/webui``) and this
console's pages (``static/*.js``): dashboard, directories, items, exchange,
receipts and shifts, audit. Every page calls the admin API (``/api/v1``,
docs/admin-api.md) with the employee's login, so the API's role checks are the
ones that count; the page only hides or disables what the role may not do.
"""

from __future__ import annotations

from pathlib import Path

import bottle

from ukm_actors.i18n import N_, gettext_for
from ukm_actors.i18n.web import request_language
from ukm_actors.nodes.base import json_response
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.openapi import Op, paths
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.server.admin.openapi import add_paths
from ukm_actors.nodes.server.services import ServerContext
from ukm_actors.webui import STATIC as SHARED
from ukm_actors.webui import console_page, messages_body, packaged_file

STATIC = Path(__file__).parent / "static"
PREFIX = "/console"
TITLE = N_("UKM cash server")
SCRIPTS = (
    "server.js",
    "dashboard.js",
    "catalog.js",
    "items.js",
    "directories.js",
    "tills.js",
    "receipts.js",
    "shifts.js",
    "exchange.js",
)


OPENAPI = (
    Op("get", "/", "The web console (docs/consoles.md)", content="text/html"),
    Op("get", f"{PREFIX}/messages", "The console's texts in a language", query={"lang": "string"}),
    Op("get", f"{PREFIX}/{{path}}", "The console's assets (scripts, styles)", content="*/*"),
)


def setup(ctx: ServerContext) -> None:
    add_paths(ctx, paths(OPENAPI))


def index(_ctx: object) -> bottle.HTTPResponse:
    """``GET /``: the console page."""
    html = console_page(gettext_for(request_language(), TITLE), PREFIX, SCRIPTS)
    return bottle.HTTPResponse(
        body=html,
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"},
    )


def messages(_ctx: object) -> bottle.HTTPResponse:
    """``GET /console/messages?lang=``: the page's texts in the reader's language."""
    return json_response(messages_body())


def asset(_ctx: object, path: str) -> bottle.HTTPResponse:
    """``GET /console/<file>``: this console's scripts, then the shared shell's files."""
    return packaged_file(path, (STATIC, SHARED))


def routes(app: bottle.Bottle, ctx: ServerContext) -> None:
    r = Routes(app, ctx)
    r.get("/", index)
    r.get(f"{PREFIX}/messages", messages)
    r.get(f"{PREFIX}/<path:path>", asset)


FEATURE = Feature(__name__, setup=setup, routes=routes)
