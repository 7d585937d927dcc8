"""What the nodes' web pages share: serving packaged files, the page's texts, the consoles' shell.

Generic (never imports ``nodes/``). The cash server's and the marketing
server's consoles (``nodes/server/console``, ``nodes/marketing/console``) are
one shell (``static/console.js``, ``static/console.css``: login, navigation,
tables, forms, SVG charts, CSV) plus each console's own pages. Texts in the
pages are written ``t("English")`` and translated from the project's gettext
catalogs (docs/i18n.md), fetched by the page from ``<prefix>/messages``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from pathlib import Path

import bottle

from ukm_actors.i18n import LANGUAGES, SOURCE_LANGUAGE, catalog
from ukm_actors.i18n.web import request_language

STATIC = Path(__file__).parent / "static"
"""The shared files (``console.js``, ``console.css``)."""


def packaged_file(path: str, roots: Sequence[Path]) -> bottle.HTTPResponse:
    """``path`` from the first of ``roots`` that has it (404 otherwise); revalidated each load."""
    for root in roots:
        if (root / path).is_file():
            response: bottle.HTTPResponse = bottle.static_file(path, root=str(root))
            response.set_header("Cache-Control", "no-cache")
            return response
    body = {"code": "web.not_found", "message": f"no file {path[:200]} here"}
    return bottle.HTTPResponse(
        body=json.dumps(body, ensure_ascii=False),
        status=404,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )


def messages_body() -> dict[str, object]:
    """``{"language", "languages", "messages": {msgid: text}}`` for the request's reader."""
    lang = request_language()
    table: dict[str, str] = {}
    if lang != SOURCE_LANGUAGE:
        raw = getattr(catalog(lang), "_catalog", {})
        table = {k: v for k, v in raw.items() if isinstance(k, str) and k}
    return {"language": lang, "languages": list(LANGUAGES), "messages": table}


def console_page(title: str, prefix: str, scripts: Sequence[str]) -> str:
    """The one HTML page of a console: the shell, then the console's own scripts."""
    tags = "\n".join(
        f'<script src="{prefix}/{escape(name)}"></script>' for name in ("console.js", *scripts)
    )
    return f"""<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{prefix}/console.css">
</head>
<body data-prefix="{escape(prefix)}">
<div id="app"><div id="boot">…</div></div>
{tags}
</body>
</html>
"""
