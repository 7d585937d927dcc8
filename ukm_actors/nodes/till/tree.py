"""The till role: the feature modules it is made of, in start order.

Each feature may define ``setup(ctx)``, ``children(ctx)`` and ``routes(app, ctx)``
(see ``ukm_actors.nodes.base``). Their actors run under one role supervisor.
"""

STRATEGY = "one_for_one"
MAX_RESTARTS = 5
PERIOD = 60.0

FEATURES = [
    "ukm_actors.nodes.till.transport",
    "ukm_actors.nodes.till.catalog",
    "ukm_actors.nodes.till.sale",
    "ukm_actors.nodes.till.devices",
    "ukm_actors.nodes.till.reporting",
    "ukm_actors.nodes.till.promotions",
    "ukm_actors.nodes.till.pricelookup",
    "ukm_actors.nodes.till.ui",
]
