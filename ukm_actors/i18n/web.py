"""The reader's language of an HTTP request (bottle).

Chosen, first match wins: the query parameter ``lang``, the header
``X-UKM-Language``, the ``Accept-Language`` header, the node's setting
(``[node] language``, kept in the app's config under ``ukm.language``).
"""

from __future__ import annotations

from typing import Any

import bottle

from ukm_actors.i18n import DEFAULT_LANGUAGE, LANGUAGES, choose, localize, parse_accept_language

CONFIG_KEY = "ukm.language"


def node_language(app: bottle.Bottle | None = None) -> str:
    """The node's default language (its ``[node] language`` setting)."""
    app = app or bottle.request.app
    lang = str(app.config.get(CONFIG_KEY, DEFAULT_LANGUAGE))
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def request_language() -> str:
    """The language of the current request's reader."""
    default = node_language()
    explicit = bottle.request.query.get("lang") or bottle.request.headers.get("X-UKM-Language")
    if explicit:
        return choose([explicit], default)
    header = bottle.request.headers.get("Accept-Language")
    if header:
        return choose(parse_accept_language(header), default)
    return default


def localized(body: Any) -> Any:
    """``body`` with every ``Text`` in it translated for the current request's reader."""
    return localize(body, request_language())
