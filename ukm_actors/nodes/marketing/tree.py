"""The marketing role: its features in start order, its tables, its services, its supervisor
(``ukm_actors.nodes.role``; each feature module's ``FEATURE``: ``ukm_actors.nodes.feature``)."""

from ukm_actors.nodes.role import RoleSpec

ROLE = RoleSpec(
    name="marketing",
    features=(
        "ukm_actors.nodes.marketing.transport",
        "ukm_actors.nodes.marketing.core",
        "ukm_actors.nodes.marketing.console",
    ),
    tables=("ukm_actors.nodes.marketing.core.tables",),
    services="ukm_actors.nodes.marketing.services.MarketingServices",
    default_id="marketing",
    strategy="one_for_one",
    max_restarts=5,
    period=60.0,
)
