"""The integration module's services (``ctx.services``), typed.

``IntegrationContext`` is the context its features take. The
``distribution`` feature provides ``distribution`` (what its actors share:
folders, timings, the tills' queues) and ``local_layout`` (the store's
layout from the node's own ``[integration]`` section when
``settings_source = "local"``, else None: the cash server's is asked).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ukm_actors.nodes.base import NodeContext
from ukm_actors.nodes.services import Services, Slot

if TYPE_CHECKING:
    from ukm_actors.nodes.integration.distribution.actors import Shared
    from ukm_actors.nodes.integration.distribution.layout import StoreLayout


class IntegrationServices(Services):
    distribution: Slot[Shared] = Slot()
    local_layout: Slot[StoreLayout | None] = Slot()


IntegrationContext = NodeContext[IntegrationServices]
