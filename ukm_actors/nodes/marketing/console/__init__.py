"""Feature "console": the marketing server's web console at ``/`` (docs/consoles.md).

The page is the shared console shell (``ukm_actors/webui``) and this console's pages
(``static/*.js``): campaigns with an editor and a preview, coupon campaigns, gift
certificate series, loyalty cards, reports. It calls the marketing admin API
(docs/marketing.md) with a cash server employee's login, which this feature obtains
from the cash server (asks ``auth.login`` / ``auth.logout``; the same throttling as the
server's own ``POST /api/v1/login``) and the API checks on every request (``auth.verify``).

Routes added here besides the page (``api.py``): ``POST /api/v1/login``,
``POST /api/v1/logout``, ``GET /api/v1/me``, ``POST /api/v1/campaigns/preview``,
``GET /api/v1/coupon-campaigns``, ``GET /api/v1/coupon-campaigns/<id>/codes``,
``GET /api/v1/certificate-series``, ``GET /api/v1/certificates/<number>/history``,
``POST /api/v1/certificates/<number>/block`` | ``/unblock``,
``GET /api/v1/cards/<number>/history``, ``GET /api/v1/loyalty/programs``.
"""

from __future__ import annotations

from pathlib import Path

import bottle

from ukm_actors.i18n import N_, gettext_for
from ukm_actors.i18n.web import request_language
from ukm_actors.nodes.base import json_response
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.marketing.services import MarketingContext
from ukm_actors.nodes.routes import Routes
from ukm_actors.webui import STATIC as SHARED
from ukm_actors.webui import console_page, messages_body, packaged_file

STATIC = Path(__file__).parent / "static"
PREFIX = "/console"
TITLE = N_("UKM marketing server")
SCRIPTS = ("marketing.js", "campaigns.js", "programs.js", "reports.js")


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


def routes(app: bottle.Bottle, ctx: MarketingContext) -> None:
    from ukm_actors.nodes.marketing.console.api import install

    r = Routes(app, ctx)
    r.get("/", index)
    r.get(f"{PREFIX}/messages", messages)
    r.get(f"{PREFIX}/<path:path>", asset)
    install(app, ctx)


FEATURE = Feature(__name__, routes=routes, needs=("token_guard",), uses=("bridge",))
