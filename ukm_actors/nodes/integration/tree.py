"""The integration role: its feature modules in start order, its tables, its supervisor.

Each feature module declares ``FEATURE`` (``ukm_actors.nodes.feature``): its
``setup``, ``children``, ``routes`` and the services it needs and provides
(``services`` below: ``ukm_actors/nodes/integration/services.py``); the node checks the
order at start. Their actors run under one role supervisor.
It has no database.
"""

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
