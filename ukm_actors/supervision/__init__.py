"""Supervision trees for pykka actors on OTP semantics. Knows nothing of retail.

from ukm_actors.supervision import Backoff, ChildSpec, Supervisor

root = Supervisor.start(
    children=[ChildSpec("loader", CatalogLoader.start, restart="permanent")],
    strategy="one_for_one", max_restarts=3, period=60,
)
root.proxy().child("loader").get()     # the live ActorRef
root.proxy().tree().get()              # name, state, restarts, last error, children
"""

from ukm_actors.supervision.actor import (
    ActorBroken,
    ChildExited,
    EscapedBaseException,
    Ping,
    SupervisedActor,
    crash_on,
    kill,
)
from ukm_actors.supervision.health import degraded_reasons
from ukm_actors.supervision.names import ActorNotRunning, Names
from ukm_actors.supervision.spec import Backoff, ChildSpec, RestartType, Strategy
from ukm_actors.supervision.supervisor import (
    SupervisionError,
    Supervisor,
    SupervisorGaveUp,
    supervisor_spec,
)
from ukm_actors.supervision.ticking import Tick, Ticking, wake
from ukm_actors.supervision.typed import SupervisorProxy, defer

__all__ = [
    "ActorBroken",
    "ActorNotRunning",
    "Backoff",
    "ChildExited",
    "ChildSpec",
    "EscapedBaseException",
    "Names",
    "Ping",
    "RestartType",
    "Strategy",
    "SupervisedActor",
    "SupervisionError",
    "Supervisor",
    "SupervisorGaveUp",
    "SupervisorProxy",
    "Tick",
    "Ticking",
    "crash_on",
    "defer",
    "degraded_reasons",
    "kill",
    "supervisor_spec",
    "wake",
]
