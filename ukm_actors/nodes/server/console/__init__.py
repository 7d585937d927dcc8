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

from ukm_actors.i18n import N_
from ukm_actors.nodes.consolesite import PREFIX, ConsoleSite
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.openapi import Op, paths
from ukm_actors.nodes.server.admin.openapi import add_paths
from ukm_actors.nodes.server.services import ServerContext

STATIC = Path(__file__).parent / "static"
TITLE = N_("UKM cash server")
SCRIPTS = (
    "server.js",
    "dashboard.js",
    "catalog.js",
    "items.js",
    "directories.js",
    "tilldevices.js",
    "tills.js",
    "receipts.js",
    "shifts.js",
    "exchange.js",
)
SITE = ConsoleSite(TITLE, SCRIPTS, STATIC)


OPENAPI = (
    Op("get", "/", "The web console (docs/consoles.md)", content="text/html"),
    Op("get", f"{PREFIX}/messages", "The console's texts in a language", query={"lang": "string"}),
    Op("get", f"{PREFIX}/{{path}}", "The console's assets (scripts, styles)", content="*/*"),
)


def setup(ctx: ServerContext) -> None:
    add_paths(ctx, paths(OPENAPI))


def routes(app: bottle.Bottle, ctx: ServerContext) -> None:
    SITE.install(app)


FEATURE = Feature(__name__, setup=setup, routes=routes)
