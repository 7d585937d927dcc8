"""The server role: its features in start order, its tables, its services, its supervisor
(``ukm_actors.nodes.role``; each feature module's ``FEATURE``: ``ukm_actors.nodes.feature``)."""

from ukm_actors.nodes.role import RoleSpec

ROLE = RoleSpec(
    name="server",
    features=(
        "ukm_actors.nodes.server.transport",
        "ukm_actors.nodes.server.catalog",
        "ukm_actors.nodes.server.admin",
        "ukm_actors.nodes.server.sales",
        "ukm_actors.nodes.server.monitoring",
        "ukm_actors.nodes.server.modules",
        "ukm_actors.nodes.server.feeds",
        "ukm_actors.nodes.server.console",
    ),
    tables=(
        "ukm_actors.nodes.server.tables_modules",
        "ukm_actors.nodes.server.catalog.tables",
        "ukm_actors.nodes.server.catalog.tables_changes",
        "ukm_actors.nodes.server.catalog.tables_local",
        "ukm_actors.nodes.server.sales.tables",
        "ukm_actors.nodes.server.admin.tables",
        "ukm_actors.nodes.server.monitoring.tables",
    ),
    services="ukm_actors.nodes.server.services.ServerServices",
    default_id="server",
    strategy="one_for_one",
    max_restarts=5,
    period=60.0,
)
