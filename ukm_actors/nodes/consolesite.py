"""The routes every web console has: its page at ``/``, its texts, its files.

The cash server's and the marketing server's consoles are one shell
(``ukm_actors/webui``) with each its own scripts; a console declares itself
once and installs the three routes::

    SITE = ConsoleSite(N_("UKM cash server"), ("server.js", ...), Path(__file__).parent / "static")
    SITE.install(app)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import bottle

from ukm_actors.i18n import gettext_for
from ukm_actors.i18n.web import request_language
from ukm_actors.nodes.base import json_response
from ukm_actors.nodes.routes import Routes
from ukm_actors.webui import STATIC as SHARED
from ukm_actors.webui import console_page, messages_body, packaged_file

PREFIX = "/console"


@dataclass(frozen=True)
class ConsoleSite:
    """One console: its title (marked with ``N_``), its scripts and the folder they are in."""

    title: str
    scripts: tuple[str, ...]
    static: Path

    def install(self, app: bottle.Bottle) -> None:
        r = Routes(app, self)
        r.get("/", index)
        r.get(f"{PREFIX}/messages", messages)
        r.get(f"{PREFIX}/<path:path>", asset)


def index(site: ConsoleSite) -> bottle.HTTPResponse:
    """``GET /``: the console page."""
    html = console_page(gettext_for(request_language(), site.title), PREFIX, site.scripts)
    return bottle.HTTPResponse(
        body=html,
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"},
    )


def messages(_site: ConsoleSite) -> bottle.HTTPResponse:
    """``GET /console/messages?lang=``: the page's texts in the reader's language."""
    return json_response(messages_body())


def asset(site: ConsoleSite, path: str) -> bottle.HTTPResponse:
    """``GET /console/<file>``: this console's scripts, then the shared shell's files."""
    return packaged_file(path, (site.static, SHARED))
