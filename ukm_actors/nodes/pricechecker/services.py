"""The price-checker module's services (``ctx.services``), typed.

``PricecheckerContext`` is the context its features take. The
``responder`` feature provides ``picker`` (which live till answers a
lookup, and which are resting after a failure).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ukm_actors.nodes.base import NodeContext
from ukm_actors.nodes.services import Services, Slot

if TYPE_CHECKING:
    from ukm_actors.nodes.pricechecker.responder.tills import TillPicker


class PricecheckerServices(Services):
    picker: Slot[TillPicker] = Slot()


PricecheckerContext = NodeContext[PricecheckerServices]
