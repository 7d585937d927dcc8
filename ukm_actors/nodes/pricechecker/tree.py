"""The pricechecker role: its feature modules in start order, its tables, its supervisor.

Each feature module declares ``FEATURE`` (``ukm_actors.nodes.feature``): its
``setup``, ``children``, ``routes`` and the services it needs and provides
(``services`` below: ``ukm_actors/nodes/pricechecker/services.py``); the node checks the
order at start. Their actors run under one role supervisor.
It has no database.
"""

from ukm_actors.nodes.role import RoleSpec

ROLE = RoleSpec(
    name="pricechecker",
    features=(
        "ukm_actors.nodes.pricechecker.transport",
        "ukm_actors.nodes.pricechecker.responder",
    ),
    services="ukm_actors.nodes.pricechecker.services.PricecheckerServices",
    default_id="pricechecker",
    strategy="one_for_one",
    max_restarts=5,
    period=60.0,
)
