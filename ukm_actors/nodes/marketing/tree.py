"""The marketing role: its feature modules in start order, its tables, its supervisor.

Each feature may define ``setup(ctx)``, ``children(ctx)`` and ``routes(app, ctx)``
(see ``ukm_actors.nodes.base``). Their actors run under one role supervisor.
Its tables (``tables``) are listed explicitly: a module not listed here is not
migrated, and a test fails.
"""

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
