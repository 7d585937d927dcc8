"""The marketing server's services (``ctx.services``), typed.

``MarketingContext`` is the context every marketing feature takes. The
``core`` feature provides ``marketing`` (the shared ``Marketing`` object:
database, settings, asks) and ``token_guard`` (wrong admin tokens, slowed
down: the marketing API and the console check logins through it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ukm_actors.nodes.base import NodeContext
from ukm_actors.nodes.services import Services, Slot

if TYPE_CHECKING:
    from ukm_actors.nodes.marketing.core.auth import TokenGuard
    from ukm_actors.nodes.marketing.core.service import Marketing


class MarketingServices(Services):
    marketing: Slot[Marketing] = Slot()
    """The marketing server's shared object (``core``)."""
    token_guard: Slot[TokenGuard] = Slot()
    """Wrong bearer tokens, counted and slowed down (``core``)."""


MarketingContext = NodeContext[MarketingServices]
