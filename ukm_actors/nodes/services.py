"""The services of a node: the shared objects its features set up, one typed slot each.

Each role declares its own class (``ROLE.services`` in its ``tree.py``)::

    class TillServices(Services):
        catalog: Slot[TillCatalog] = Slot()
        promotions: Slot[PromotionsService | None] = Slot()   # None: switched off

    ctx.services.catalog = TillCatalog(...)    # the feature that provides it (setup)
    ctx.services.catalog.item("100")           # everyone else: typed, checked by mypy

A feature names what it sets in ``FEATURE.provides`` and what it reads in
``needs``/``uses`` (``ukm_actors.nodes.feature``); the node checks at start
that every name is a slot of the role's class and that each feature's setup
set what it provides. Reading a slot nobody has set yet raises
``ServiceMissing`` naming the feature that provides it and how to order the
features. This module imports nothing heavy: ``tree.py`` names the class.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from ukm_actors.nodes.role import RoleSpec, RoleSpecError

if TYPE_CHECKING:
    from ukm_actors.bridge.service import BridgeService
    from ukm_actors.nodes.feature import Feature

T = TypeVar("T")


class ServiceMissing(RoleSpecError):
    """A service read before (or without) the feature that provides it: a programming error."""

    code = "role.service_missing"
    http_status = 500


class Slot(Generic[T]):
    """One service of a ``Services`` class: set once by its feature, read by any."""

    name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Slot[T]: ...

    @overload
    def __get__(self, obj: Services, objtype: type | None = None) -> T: ...

    def __get__(self, obj: Services | None, objtype: type | None = None) -> T | Slot[T]:
        if obj is None:
            return self
        try:
            value: T = obj.__dict__[self.name]
        except KeyError:
            raise ServiceMissing(obj.missing_message(self.name)) from None
        return value

    def __set__(self, obj: Services, value: T) -> None:
        obj.__dict__[self.name] = value


class Services:
    """What every role has; a role's class adds its own slots."""

    bridge: Slot[BridgeService] = Slot()
    """The node's bridge (its ``transport`` feature)."""

    def __init__(self) -> None:
        self.ready_extra: dict[str, str] = {}
        """Added to the node's ready file (``ukm up`` reads it): the price checker's TCP port."""
        self._providers: dict[str, str] = {}
        self._role = ""

    @classmethod
    def slots(cls) -> frozenset[str]:
        """The names of the class's services."""
        return frozenset(
            name for k in cls.__mro__ for name, v in vars(k).items() if isinstance(v, Slot)
        )

    def is_set(self, name: str) -> bool:
        return name in self.__dict__

    def known_providers(self, role: str, providers: dict[str, str]) -> None:
        """Set by the node at start: which feature provides each service (for messages)."""
        self._role, self._providers = role, dict(providers)

    def missing_message(self, name: str) -> str:
        provider = self._providers.get(name)
        tree = f"ukm_actors/nodes/{self._role or '<role>'}/tree.py"
        if provider is None:
            return (
                f"ctx.services.{name} is not set up: no feature of the {self._role or 'node'} "
                f"role provides it; add the feature that does to ROLE.features in {tree} "
                f"(its FEATURE.provides names {name!r})"
            )
        return (
            f"ctx.services.{name} is not set up yet: feature {provider} provides it; "
            f"a feature that reads it while it is set up declares needs=({name!r},) "
            f"and is listed after {provider} in {tree}"
        )


def services_class(spec: RoleSpec) -> type[Services]:
    """The class ``spec.services`` names."""
    module, _, name = spec.services.rpartition(".")
    found = getattr(importlib.import_module(module), name, None)
    if not (isinstance(found, type) and issubclass(found, Services)):
        raise RoleSpecError(
            f"ROLE.services of the {spec.name} role names {spec.services}, which is not a "
            f"Services class (ukm_actors.nodes.services)"
        )
    return found


def check_slots(spec: RoleSpec, cls: type[Services], providers: Mapping[str, str]) -> None:
    """Every service a feature provides is a slot of ``cls``."""
    for name, feature in providers.items():
        if name not in cls.slots():
            raise RoleSpecError(
                f"feature {feature} provides {name!r}, which {cls.__name__} does not declare: "
                f"add {name}: Slot[...] = Slot() to {cls.__module__}.{cls.__name__}"
            )


def check_provided(feature: Feature[Any], services: Services) -> None:
    """After ``feature``'s setup: it set every service it provides."""
    for name in feature.provides:
        if not services.is_set(name):
            raise RoleSpecError(
                f"feature {feature.name} declares provides=({name!r}, ...) but its setup "
                f"did not set ctx.services.{name}"
            )
