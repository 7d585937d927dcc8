"""Admin API: till types (settings shared by the tills of a type) and a till's type."""

from __future__ import annotations

import bottle
from sqlalchemy.orm import Session

from ukm_actors.nodes.base import NodeContext, json_response
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.server.admin.auth import ADMINS, READERS, require_employee
from ukm_actors.nodes.server.admin.web import API, Outcome, body, field, text_field, write
from ukm_actors.nodes.server.catalog.public import get_till, till_types


def list_types(ctx: NodeContext) -> bottle.HTTPResponse:
    require_employee(ctx, READERS)
    with ctx.require_db().read() as session:
        return json_response({"till_types": till_types.list_types(session)})


def put_type(ctx: NodeContext, type_id: str) -> bottle.HTTPResponse:
    who = require_employee(ctx, ADMINS)
    data = body()
    name = text_field(data, "name", required=False, max_len=200) or ""
    settings = field(data, "settings", dict, required=False) or {}

    def do(session: Session) -> Outcome:
        before, channels = till_types.put_type(
            session,
            type_id,
            name,
            settings,
            by=who.login,
            max_records=ctx.config.server.catalog_doc_records,
        )
        after = till_types.type_json(till_types.get_type(session, type_id), [])
        return Outcome(after, before, after, channels)

    return json_response(write(ctx, who, "till_type.put", type_id[:60], do))


def delete_type(ctx: NodeContext, type_id: str) -> bottle.HTTPResponse:
    who = require_employee(ctx, ADMINS)

    def do(session: Session) -> Outcome:
        before = till_types.delete_type(session, type_id)
        return Outcome({"deleted": type_id}, before, None)

    return json_response(write(ctx, who, "till_type.delete", type_id[:60], do))


def put_till_type(ctx: NodeContext, node_id: str) -> bottle.HTTPResponse:
    who = require_employee(ctx, ADMINS)
    data = body()
    type_id = text_field(data, "type", required=False, max_len=40)

    def do(session: Session) -> Outcome:
        before = get_till(session, node_id).type_id
        channels = till_types.set_type(
            session,
            node_id,
            type_id or None,
            by=who.login,
            max_records=ctx.config.server.catalog_doc_records,
        )
        answer = {"node_id": node_id, "type": type_id or None}
        return Outcome(answer, {"type": before}, {"type": type_id or None}, channels)

    return json_response(write(ctx, who, "till.type", node_id, do))


def routes(app: bottle.Bottle, ctx: NodeContext) -> None:
    r = Routes(app, ctx, prefix=API)
    r.get("/till-types", list_types)
    r.put("/till-types/<type_id>", put_type)
    r.delete("/till-types/<type_id>", delete_type)
    r.put("/tills/<node_id>/type", put_till_type)
