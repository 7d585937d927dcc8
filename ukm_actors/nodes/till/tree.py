"""The till role: its features in start order, its tables, its services, its supervisor
(``ukm_actors.nodes.role``; each feature module's ``FEATURE``: ``ukm_actors.nodes.feature``)."""

from ukm_actors.nodes.role import RoleSpec

ROLE = RoleSpec(
    name="till",
    features=(
        "ukm_actors.nodes.till.transport",
        "ukm_actors.nodes.till.catalog",
        "ukm_actors.nodes.till.exchange",
        "ukm_actors.nodes.till.sale",
        "ukm_actors.nodes.till.devices",
        "ukm_actors.nodes.till.reporting",
        "ukm_actors.nodes.till.promotions",
        "ukm_actors.nodes.till.pricelookup",
        "ukm_actors.nodes.till.ui",
    ),
    tables=(
        "ukm_actors.nodes.till.catalog.stagetables",
        "ukm_actors.nodes.till.catalog.tables",
        "ukm_actors.nodes.till.exchange.tables",
        "ukm_actors.nodes.till.promotions.tables",
        "ukm_actors.nodes.till.sale.tables",
    ),
    services="ukm_actors.nodes.till.services.TillServices",
    strategy="one_for_one",
    max_restarts=5,
    period=60.0,
)
