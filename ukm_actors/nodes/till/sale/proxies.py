"""The sale's actors by name, as typed proxies (made once per actor incarnation).

``Proxies(names).sale()`` is the proxy of the live ``sale`` actor typed as
``SaleSessionProxy``: mypy checks each call through it against
``SaleSession``'s own method (its name, arguments and result), so renaming
an actor's method breaks ``make lint``, not a cashier's sale. Each actor
declares its proxy class beside itself (``pykka.typing``, as Mopidy's core
does); the classes only type the proxies pykka makes, they are never
instantiated. A name whose actor is not running raises ``ActorNotRunning``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from ukm_actors.supervision import Names

if TYPE_CHECKING:
    from ukm_actors.nodes.till.sale.payments import PaymentDeskProxy
    from ukm_actors.nodes.till.sale.session import SaleSessionProxy
    from ukm_actors.nodes.till.sale.shift import ShiftManagerProxy

SHIFT = "shift"
SALE = "sale"
PAYMENTS = "payments"
"""The sale's actors' names in the tree (``sale.children``)."""


class Proxies:
    """The typed proxies of the live ``shift``, ``sale`` and ``payments`` actors."""

    def __init__(self, names: Names) -> None:
        self.names = names

    def sale(self) -> SaleSessionProxy:
        return cast("SaleSessionProxy", self.names.proxy(SALE))

    def shift(self) -> ShiftManagerProxy:
        return cast("ShiftManagerProxy", self.names.proxy(SHIFT))

    def payments(self) -> PaymentDeskProxy:
        return cast("PaymentDeskProxy", self.names.proxy(PAYMENTS))
