"""The integration role: its features in start order, its tables, its services, its supervisor
(``ukm_actors.nodes.role``; each feature module's ``FEATURE``: ``ukm_actors.nodes.feature``)."""

from ukm_actors.nodes.role import RoleSpec

ROLE = RoleSpec(
    name="integration",
    features=(
        "ukm_actors.nodes.integration.transport",
        "ukm_actors.nodes.integration.distribution",
    ),
    services="ukm_actors.nodes.integration.services.IntegrationServices",
    default_id="integration",
    strategy="one_for_one",
    max_restarts=5,
    period=60.0,
)
