"""Typed routes on a node's bottle app: handlers are module-level functions.

A handler is ``handler(ctx, **path)``: its first parameter is the context the
``Routes`` were made with (a ``NodeContext``, a ``Node``, a role's own
object), the others are the path's wildcards by name, typed ``int`` for a
``<name:int>`` wildcard, ``float`` for ``<name:float>`` and ``str`` for the
rest. mypy checks that a handler takes the context; ``Routes`` checks when it
registers the route that the wildcards and the parameters agree, so a handler
that does not fit its path stops the node at start, not its first request::

    def put_role(ctx: NodeContext, role_id: int) -> bottle.HTTPResponse: ...

    def routes(app: bottle.Bottle, ctx: NodeContext) -> None:
        r = Routes(app, ctx, prefix="/api/v1")
        r.put("/cashier-roles/<role_id:int>", put_role)

A handler is tested alone by calling it with a context (and a request set
up with ``bottle.request.bind``), or through the app like any route.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any, Concatenate, Generic, Literal, ParamSpec, TypeVar, cast

import bottle

from ukm_actors.errors import UkmError

C = TypeVar("C")
P = ParamSpec("P")

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
Handler = Callable[Concatenate[C, P], object]
"""``handler(ctx, **path_parameters) -> answer`` (an ``HTTPResponse``, text, bytes)."""

_WILDCARD = re.compile(r"<([a-zA-Z_]\w*)(?::([a-zA-Z_]*)(?::((?:\\.|[^\\>])+)?)?)?>")
_TYPES: dict[str, type] = {"int": int, "float": float}


class RouteError(UkmError):
    """A route whose handler does not fit its path (a programming error, found at start)."""

    code = "route.mismatch"


def wildcards(path: str) -> dict[str, type]:
    """The path's wildcards with the type each arrives as: ``{"role_id": int}``."""
    return {m.group(1): _TYPES.get(m.group(2) or "", str) for m in _WILDCARD.finditer(path)}


def _annotation_name(annotation: Any) -> str:
    if isinstance(annotation, str):
        return annotation
    return getattr(annotation, "__name__", repr(annotation))


def check_handler(path: str, handler: Callable[..., object]) -> None:
    """Raise ``RouteError`` unless ``handler(ctx, **wildcards)`` fits ``path``."""
    name = getattr(handler, "__qualname__", repr(handler))
    params = list(inspect.signature(handler).parameters.values())
    if not params:
        raise RouteError(f"route {path}: handler {name} must take the context first")
    wanted = wildcards(path)
    got = {p.name: p for p in params[1:]}
    if set(got) != set(wanted):
        raise RouteError(
            f"route {path}: handler {name} takes {sorted(got)} but the path has {sorted(wanted)}",
            hint="name the handler's parameters after the path's <wildcards>",
        )
    for key, kind in wanted.items():
        annotation = got[key].annotation
        if annotation is inspect.Parameter.empty:
            continue
        declared = _annotation_name(annotation)
        if declared != kind.__name__:
            raise RouteError(
                f"route {path}: handler {name} declares {key}: {declared}, "
                f"but <{key}> arrives as {kind.__name__}"
            )


class Routes(Generic[C]):
    """Registers module-level handlers on ``app``, each called with ``ctx`` first."""

    def __init__(self, app: bottle.Bottle, ctx: C, prefix: str = "") -> None:
        self.app = app
        self.ctx = ctx
        self.prefix = prefix

    def add(self, method: Method, path: str, handler: Handler[C, P]) -> None:
        """Answer ``method prefix+path`` with ``handler(ctx, **wildcards)``."""
        full = self.prefix + path
        check_handler(full, handler)
        ctx = self.ctx
        fn = cast(Callable[..., object], handler)

        def call(**path_params: Any) -> object:
            return fn(ctx, **path_params)

        functools.update_wrapper(call, handler)
        self.app.route(full, method, call)

    def get(self, path: str, handler: Handler[C, P]) -> None:
        self.add("GET", path, handler)

    def post(self, path: str, handler: Handler[C, P]) -> None:
        self.add("POST", path, handler)

    def put(self, path: str, handler: Handler[C, P]) -> None:
        self.add("PUT", path, handler)

    def patch(self, path: str, handler: Handler[C, P]) -> None:
        self.add("PATCH", path, handler)

    def delete(self, path: str, handler: Handler[C, P]) -> None:
        self.add("DELETE", path, handler)
