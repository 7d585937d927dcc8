"""The cash server's services (``ctx.services``): what its features share, typed.

``ServerContext`` is the context every server feature takes. Who provides
what: ``transport`` the bridge, ``catalog`` the import's progress and
tombstone pruning, ``admin`` the login guard, ``sales`` the export's health,
``monitoring`` the monitoring. ``metrics`` and ``openapi_paths`` are filled
by any feature while it is set up: the families it adds to ``/metrics`` and
the paths it adds to the admin API's OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ukm_actors.nodes.base import NodeContext
from ukm_actors.nodes.services import Services, Slot

if TYPE_CHECKING:
    from ukm_actors.db.prune import PruneSchedule
    from ukm_actors.nodes.server.admin.logins import LoginGuard
    from ukm_actors.nodes.server.catalog.public import Progress
    from ukm_actors.nodes.server.monitoring.metrics import Family
    from ukm_actors.nodes.server.monitoring.service import Monitoring
    from ukm_actors.nodes.server.sales.exporter import ExportHealth


class ServerServices(Services):
    import_progress: Slot[Progress] = Slot()
    """The import file being loaded and the last results (``catalog``)."""
    import_pruning: Slot[PruneSchedule] = Slot()
    """When the catalog's tombstones were last pruned (``catalog``)."""
    login_guard: Slot[LoginGuard] = Slot()
    """Employee login throttling and locks (``admin``)."""
    export_health: Slot[ExportHealth] = Slot()
    """Whether the export folder takes files (``sales``)."""
    monitoring: Slot[Monitoring] = Slot()
    """The tills' contact, delivery and devices; alerts; the host (``monitoring``)."""

    def __init__(self) -> None:
        super().__init__()
        self.metrics: list[Callable[[], list[Family]]] = []
        """Families features add to ``/metrics`` (the admin feature: failed logins)."""
        self.openapi_paths: dict[str, dict[str, Any]] = {}
        """OpenAPI path items features add to the admin API's document."""


ServerContext = NodeContext[ServerServices]
