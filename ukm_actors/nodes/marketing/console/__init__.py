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

from ukm_actors.i18n import N_
from ukm_actors.nodes.consolesite import ConsoleSite
from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.marketing.services import MarketingContext

STATIC = Path(__file__).parent / "static"
TITLE = N_("UKM marketing server")
SCRIPTS = ("marketing.js", "campaigns.js", "programs.js", "reports.js")
SITE = ConsoleSite(TITLE, SCRIPTS, STATIC)


def routes(app: bottle.Bottle, ctx: MarketingContext) -> None:
    from ukm_actors.nodes.marketing.console.api import install

    SITE.install(app)
    install(app, ctx)


FEATURE = Feature(__name__, routes=routes, needs=("token_guard",), uses=("bridge",))
