"""Feature "admin" of the cash server: employees, logins, roles, audit, the admin HTTP API.

Routes are under ``/api/v1`` (JSON; ``docs/admin-api.md``; OpenAPI at
``/api/v1/openapi.json``). Other features check logins with
``ukm_actors.nodes.server.admin.auth.require_employee(ctx, roles=...)``.
"""

from __future__ import annotations

from typing import Any

import bottle

from ukm_actors.nodes.base import NodeContext, json_response
from ukm_actors.nodes.server.admin import openapi, routes_catalog, routes_people, routes_tills


def routes(app: bottle.Bottle, ctx: NodeContext) -> None:
    routes_people.routes(app, ctx)
    routes_catalog.routes(app, ctx)
    routes_tills.routes(app, ctx)

    @app.get("/api/v1/openapi.json")  # type: ignore[misc]
    def openapi_json() -> Any:
        return json_response(openapi.spec(ctx))
