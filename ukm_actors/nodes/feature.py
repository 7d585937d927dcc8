"""A feature: one part of a role, declared by its module as ``FEATURE``.

    # ukm_actors/nodes/till/sale/__init__.py (its end)
    FEATURE = Feature(
        __name__,
        setup=setup,            # appliers, asks, /status sections, services
        children=children,      # its actors, under the role's supervisor
        routes=routes,          # its HTTP routes
        needs=("catalog",),     # services an earlier feature provides
        provides=("sale_env", "auth", "printing", "sale_flows", "fiscal"),
    )

A role lists its feature modules in start order (``ROLE.features`` in its
``tree.py``). The node reads each module's ``FEATURE`` (a module without one
is refused at start, naming what to add) and checks that every name in
``needs`` is in the ``provides`` of an earlier feature, so a wrong order fails
at start with the fix in the message rather than at the first sale.
``needs`` is what a feature reads while it is set up (``setup``,
``children``, ``routes``); a service read only while the node runs (after
every feature is set up) goes in ``uses``: it must be provided by some feature
of the role, in any order.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ukm_actors.nodes.role import RoleSpec, RoleSpecError

if TYPE_CHECKING:
    import bottle

    from ukm_actors.supervision import ChildSpec

C = TypeVar("C", contravariant=True)
"""The context a feature's functions take (``NodeContext[TillServices]``...)."""


@dataclass(frozen=True)
class Feature(Generic[C]):
    """What one feature module adds to its node; every part is optional."""

    name: str
    """The module's name (``__name__``), for messages."""
    setup: Callable[[C], None] | None = None
    children: Callable[[C], list[ChildSpec]] | None = None
    routes: Callable[[bottle.Bottle, C], None] | None = None
    needs: tuple[str, ...] = ()
    """Services (``ctx.services.<name>``) read while set up: an earlier feature provides them."""
    uses: tuple[str, ...] = ()
    """Services read only while the node runs: some feature of the role provides them."""
    provides: tuple[str, ...] = ()
    """Services its ``setup`` sets."""


def _tree(spec: RoleSpec) -> str:
    return f"ukm_actors/nodes/{spec.name}/tree.py"


def load_feature(spec: RoleSpec, name: str) -> Feature[Any]:
    """The ``FEATURE`` of module ``name``, listed in ``spec.features``."""
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not name.startswith(exc.name):
            raise
        raise RoleSpecError(
            f"{name} is listed in the {spec.name} role's features but does not exist; "
            f"fix or remove it in ROLE.features in {_tree(spec)}"
        ) from exc
    feature = getattr(module, "FEATURE", None)
    if not isinstance(feature, Feature):
        raise RoleSpecError(
            f"{name} is listed in the {spec.name} role's features but declares no FEATURE; "
            f"add at its end: FEATURE = Feature(__name__, setup=..., children=..., routes=...) "
            f"(ukm_actors.nodes.feature.Feature)"
        )
    if feature.setup is None and feature.children is None and feature.routes is None:
        raise RoleSpecError(
            f"{name}.FEATURE has no setup, children or routes; give it one, or remove "
            f"{name} from ROLE.features in {_tree(spec)}"
        )
    return feature


def load_features(spec: RoleSpec) -> list[Feature[Any]]:
    """The role's features, in start order."""
    return [load_feature(spec, name) for name in spec.features]


def check_order(spec: RoleSpec, features: Sequence[Feature[Any]]) -> dict[str, str]:
    """Check ``needs``, ``uses`` and ``provides``; return each service → its feature."""
    providers: dict[str, str] = {}
    for feature in features:
        for need in feature.needs:
            if need not in providers:
                raise RoleSpecError(_missing(spec, features, feature, need, "needs"))
        for name in feature.provides:
            if name in providers:
                raise RoleSpecError(
                    f"features {providers[name]} and {feature.name} both provide {name!r}; "
                    f"one of them must not"
                )
            providers[name] = feature.name
    for feature in features:
        for use in feature.uses:
            if use not in providers:
                raise RoleSpecError(_missing(spec, features, feature, use, "uses"))
    return providers


def _missing(
    spec: RoleSpec, features: Sequence[Feature[Any]], feature: Feature[Any], name: str, how: str
) -> str:
    later = [f.name for f in features if name in f.provides]
    if later:
        return (
            f"feature {feature.name} needs {name!r}, which no earlier feature provides: "
            f"list {later[0]} before {feature.name} in {_tree(spec)}"
        )
    return (
        f"feature {feature.name} {how} {name!r}, which no feature of the {spec.name} role "
        f"provides: add the feature that provides it to ROLE.features in {_tree(spec)}"
    )
