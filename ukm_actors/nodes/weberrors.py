"""Every node's JSON answers: ``json_response`` and the ``JsonErrors`` bottle plugin.

A deliberate error (``UkmError``) becomes its JSON body with its HTTP status; an
actor restarting or not answering in time, or the database not answering, a 503
saying so; anything else a logged 500. Messages are translated for the reader.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import bottle
import pykka
from sqlalchemy.exc import DataError, OperationalError

from ukm_actors.errors import UkmError
from ukm_actors.i18n import _
from ukm_actors.i18n.web import localized
from ukm_actors.nodes import webjson
from ukm_actors.supervision import ActorNotRunning

log = logging.getLogger(__name__)


def json_response(body: Any, status: int = 200) -> bottle.HTTPResponse:
    """A JSON ``HTTPResponse`` with the right content type."""
    return bottle.HTTPResponse(
        body=json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )


RESTARTING = _("the service is restarting; retry")
INTERNAL = _("internal error; see the node's log")


class JsonErrors:
    """Bottle plugin: deliberate errors become JSON bodies, others a logged 500.

    ``UkmError`` subclasses may set ``http_status`` (and ``http_headers``, e.g.
    ``Retry-After``); ``ActorNotRunning`` is 503.
    """

    name = "ukm_json_errors"
    api = 2

    def apply(self, callback: Callable[..., Any], _route: Any) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return callback(*args, **kwargs)
            except bottle.HTTPResponse:
                raise
            except UkmError as exc:
                status = int(getattr(exc, "http_status", 0) or 0)
                if not status:
                    status = 503 if isinstance(exc, ActorNotRunning) else 400
                response = json_response(localized(exc.to_json()), status)
                for name, value in getattr(exc, "http_headers", {}).items():
                    response.set_header(name, value)
                return response
            except pykka.ActorDeadError:
                return json_response(
                    localized(
                        {
                            "code": "actor.not_running",
                            "message": _("the service is restarting; retry"),
                        }
                    ),
                    503,
                )
            except pykka.Timeout:
                log.warning(
                    "no answer in time in %s %s", bottle.request.method, bottle.request.path
                )
                return json_response(
                    localized(
                        {
                            "code": "node.busy",
                            "message": _("the node did not answer in time"),
                            "hint": _(
                                "it may still finish the operation: look at its result "
                                "before repeating it"
                            ),
                        }
                    ),
                    503,
                )
            except (DataError, OverflowError) as exc:
                return json_response(localized(webjson.out_of_range(exc)), 400)
            except OperationalError as exc:
                log.warning("database unavailable in %s: %s", bottle.request.path, exc.orig)
                return json_response(
                    localized(
                        {
                            "code": "db.unavailable",
                            "message": _("the database does not answer; retry"),
                            "hint": _("see this node's /health"),
                        }
                    ),
                    503,
                )
            except Exception:
                log.exception(
                    "unhandled error in %s %s", bottle.request.method, bottle.request.path
                )
                return json_response(
                    localized(
                        {"code": "internal", "message": _("internal error; see the node's log")}
                    ),
                    500,
                )

        return wrapper
