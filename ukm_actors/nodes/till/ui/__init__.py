"""Feature "ui": the cashier's screen at ``/`` and the customer display at ``/display``.

Plain HTML, CSS and JavaScript served from ``static/`` (no build step, no CDN);
the page calls the till's own ``/api/v1`` (docs/till-api.md) and listens to
``GET /api/v1/events`` for changes (scans from the till's scanner, another
tab). Its own texts are translated through the project's catalogs
(``GET /ui/messages``, docs/i18n.md). ``GET /api/v1/ui`` tells the page how
this till is set up (keyboard or touch, language) and how its links and
devices are.
"""

from __future__ import annotations

import bottle

from ukm_actors.nodes.feature import Feature
from ukm_actors.nodes.till.services import TillContext
from ukm_actors.nodes.till.ui.events import UiEvents
from ukm_actors.supervision import ChildSpec, SupervisedActor


class UiStreams(SupervisedActor):
    """Ends the screens' event streams when the node stops (so the stop does not wait on them)."""

    def __init__(self, events: UiEvents) -> None:
        super().__init__()
        self.events = events

    def on_stop(self) -> None:
        self.events.close()


def setup(ctx: TillContext) -> None:
    ctx.services.ui_events = UiEvents()


def children(ctx: TillContext) -> list[ChildSpec]:
    events = ctx.services.ui_events
    return [ChildSpec("ui_streams", lambda: UiStreams.start(events))]


def routes(app: bottle.Bottle, ctx: TillContext) -> None:
    from ukm_actors.nodes.till.ui.web import install

    install(app, ctx)


FEATURE = Feature(
    __name__,
    setup=setup,
    children=children,
    routes=routes,
    uses=("bridge", "catalog", "promotions", "printing", "auth"),
    provides=("ui_events",),
)
