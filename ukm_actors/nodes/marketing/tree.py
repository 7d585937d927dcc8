"""The marketing role: its feature modules in start order, its tables, its supervisor.

Each feature module declares ``FEATURE`` (``ukm_actors.nodes.feature``): its
``setup``, ``children``, ``routes`` and the services it needs and provides
(``services`` below: ``ukm_actors/nodes/marketing/services.py``); the node checks the
order at start. Their actors run under one role supervisor.
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
