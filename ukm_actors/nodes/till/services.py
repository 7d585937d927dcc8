"""The till's services (``ctx.services``): what its features share, typed.

``TillContext`` is the context every till feature takes. Who provides what
(``FEATURE.provides`` of each module, in ``tree.py`` order):

- ``transport``: ``bridge``;
- ``catalog``: ``catalog`` (item lookups), ``catalog_applier`` (the catalog
  documents' applier; the exchange settings narrow what it applies);
- ``exchange``: ``exchange`` (the decentralised store's settings and folders);
- ``sale``: ``clock``, ``sale_env``, ``auth`` (login and rights),
  ``printing`` (the print queue), ``sale_flows`` (what the routes and the
  scanner run), ``fiscal`` (the fiscal register's desk);
- ``devices``: ``devices`` (the device actors, by kind);
- ``promotions``: ``promotions`` and ``marketing_payments`` (None: switched
  off, as a test or a benchmark does to sell without the engine);
- ``ui``: ``ui_events`` (what the screens wait on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ukm_actors.nodes.base import NodeContext
from ukm_actors.nodes.services import Services, Slot

if TYPE_CHECKING:
    from ukm_actors.nodes.till.catalog.apply import CatalogApplier
    from ukm_actors.nodes.till.catalog.public import TillCatalog
    from ukm_actors.nodes.till.devices.service import Devices
    from ukm_actors.nodes.till.exchange.control import ExchangeControl
    from ukm_actors.nodes.till.promotions.payments import MarketingPayments
    from ukm_actors.nodes.till.promotions.service import PromotionsService
    from ukm_actors.nodes.till.sale.auth import TillAuth
    from ukm_actors.nodes.till.sale.clock import Clock
    from ukm_actors.nodes.till.sale.env import SaleEnv
    from ukm_actors.nodes.till.sale.fiscal import FiscalDesk
    from ukm_actors.nodes.till.sale.flows import SaleFlows
    from ukm_actors.nodes.till.sale.printing import Printing
    from ukm_actors.nodes.till.ui.events import UiEvents


class TillServices(Services):
    catalog: Slot[TillCatalog] = Slot()
    catalog_applier: Slot[CatalogApplier] = Slot()
    exchange: Slot[ExchangeControl] = Slot()
    clock: Slot[Clock] = Slot()
    sale_env: Slot[SaleEnv] = Slot()
    auth: Slot[TillAuth] = Slot()
    printing: Slot[Printing] = Slot()
    sale_flows: Slot[SaleFlows] = Slot()
    fiscal: Slot[FiscalDesk] = Slot()
    devices: Slot[Devices] = Slot()
    promotions: Slot[PromotionsService | None] = Slot()
    marketing_payments: Slot[MarketingPayments | None] = Slot()
    ui_events: Slot[UiEvents] = Slot()


TillContext = NodeContext[TillServices]
