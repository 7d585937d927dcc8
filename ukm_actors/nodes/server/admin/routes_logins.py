"""Admin API: failed logins and their locks (admin only; docs/admin-api.md, docs/security.md).

- ``GET /api/v1/login-locks``: logins and addresses with failed logins not yet
  forgotten, locked ones first;
- ``DELETE /api/v1/login-locks/login/{login}``, ``DELETE
  /api/v1/login-locks/address/{address}``: lift the lock and forget the
  failures (audited ``login.unlock``).
"""

from __future__ import annotations

import bottle
from sqlalchemy.orm import Session

from ukm_actors.nodes.base import NodeContext, json_response
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.server.admin import logins
from ukm_actors.nodes.server.admin.auth import ADMINS, require_employee
from ukm_actors.nodes.server.admin.web import API, Outcome, write
from ukm_actors.nodes.server.catalog.public import NotFound
from ukm_actors.nodes.server.services import ServerContext


def list_locks(ctx: ServerContext) -> bottle.HTTPResponse:
    require_employee(ctx, ADMINS)
    guard = ctx.services.login_guard
    with ctx.require_db().read() as session:
        return json_response({"locks": logins.locks(session, guard.policies, guard.clock())})


def lift_lock(ctx: NodeContext, kind: str, key: str) -> bottle.HTTPResponse:
    who = require_employee(ctx, ADMINS)
    if kind not in (logins.LOGIN, logins.ADDRESS):
        raise NotFound(f"no lock kind {kind!r}: use login-locks/login/<login> or /address/<ip>")

    def do(session: Session) -> Outcome:
        if not logins.lift(session, kind, key):
            raise NotFound(f"{kind} {key!r} has no failed logins to forget")
        return Outcome({"lifted": True, "kind": kind, "key": key}, {"kind": kind}, None)

    return json_response(write(ctx, who, "login.unlock", f"{kind}:{key}", do))


def routes(app: bottle.Bottle, ctx: ServerContext) -> None:
    r = Routes(app, ctx, prefix=API)
    r.get("/login-locks", list_locks)
    r.delete("/login-locks/<kind>/<key>", lift_lock)
