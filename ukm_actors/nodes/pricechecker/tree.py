"""The pricechecker role: its features in start order, its tables, its services, its supervisor
(``ukm_actors.nodes.role``; each feature module's ``FEATURE``: ``ukm_actors.nodes.feature``)."""

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
