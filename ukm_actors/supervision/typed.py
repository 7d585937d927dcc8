"""Typed proxies (``pykka.typing``) for supervision: a supervisor's, and a tell through one.

``cast(SupervisorProxy, sup.proxy()).tree()`` is checked by mypy against
``Supervisor.tree``. ``pykka.typing.proxy_method`` types a proxy's method as
a call answering a ``Future``; pykka's ``proxy.method.defer(...)`` (send, do
not wait) has no type there. ``defer(proxy.take, campaigns, now)`` sends the
same tell with the arguments checked by mypy against the actor's method: an
exception in it fails the actor (and its supervisor restarts it), not the
sender.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, cast

import pykka
from pykka.typing import ActorMemberMixin, proxy_method

from ukm_actors.supervision.supervisor import Supervisor

P = ParamSpec("P")


class SupervisorProxy(ActorMemberMixin):
    """``Supervisor`` through its proxy: each method answers a ``pykka.Future``."""

    child = proxy_method(Supervisor.child)
    children = proxy_method(Supervisor.children)
    tree = proxy_method(Supervisor.tree)
    start_child = proxy_method(Supervisor.start_child)
    stop_child = proxy_method(Supervisor.stop_child)
    restart_child = proxy_method(Supervisor.restart_child)


def defer(method: Callable[P, pykka.Future[Any]], /, *args: P.args, **kwargs: P.kwargs) -> None:
    """Tell the actor to run ``method`` (a typed proxy's method) with these arguments."""
    cast(Any, method).defer(*args, **kwargs)
