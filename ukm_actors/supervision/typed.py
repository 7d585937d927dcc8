"""A tell through a typed proxy (``pykka.typing``): ``defer(proxy.take, campaigns, now)``.

``pykka.typing.proxy_method`` types a proxy's method as a call answering a
``Future``; pykka's ``proxy.method.defer(...)`` (send, do not wait) has no
type there. ``defer`` sends the same tell with the arguments checked by
mypy against the actor's method: an exception in it fails the actor (and
its supervisor restarts it), not the sender.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, cast

import pykka

P = ParamSpec("P")


def defer(method: Callable[P, pykka.Future[Any]], /, *args: P.args, **kwargs: P.kwargs) -> None:
    """Tell the actor to run ``method`` (a typed proxy's method) with these arguments."""
    cast(Any, method).defer(*args, **kwargs)
