"""What a node started by a launcher (``ukm up``, ``ukm demo``) knows of it.

The launcher passes, in the environment of every node it starts:

``UKM_LAUNCH_BY``        who started the node ("ukm up")
``UKM_LAUNCH_PID``       the launcher's PID
``UKM_LAUNCH_STARTED``   the launcher's start time (seconds since the epoch, as psutil
                         reports it: together with the PID it names the process even after
                         the PID is reused)
``UKM_LAUNCH_RESTARTS``  how many times the launcher has restarted this node
``UKM_LAUNCH_BACKOFF``   seconds it waited before this start (its back-off)
``UKM_LAUNCH_LAST_EXIT`` the exit code of the previous run, when there was one

The node shows them in ``/status`` (section ``launcher``) and stops as if
asked (SIGTERM) when the launcher is gone: on Linux the kernel signals it at
once (``PR_SET_PDEATHSIG``, set by the launcher); :func:`watch_launcher`
checks every ``WATCH_INTERVAL`` seconds on every system, so a node never
outlives its launcher by more than that (Windows and macOS rely on it).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

import gevent
import psutil

log = logging.getLogger(__name__)

WATCH_INTERVAL = 1.0

ENV_BY = "UKM_LAUNCH_BY"
ENV_PID = "UKM_LAUNCH_PID"
ENV_STARTED = "UKM_LAUNCH_STARTED"
ENV_RESTARTS = "UKM_LAUNCH_RESTARTS"
ENV_BACKOFF = "UKM_LAUNCH_BACKOFF"
ENV_LAST_EXIT = "UKM_LAUNCH_LAST_EXIT"


def launch_env(
    by: str, *, restarts: int = 0, backoff: float = 0.0, last_exit: int | None = None
) -> dict[str, str]:
    """The variables a launcher (this process) passes to a node it starts."""
    me = psutil.Process()
    env = {
        ENV_BY: by,
        ENV_PID: str(me.pid),
        ENV_STARTED: repr(me.create_time()),
        ENV_RESTARTS: str(restarts),
        ENV_BACKOFF: f"{backoff:.1f}",
    }
    if last_exit is not None:
        env[ENV_LAST_EXIT] = str(last_exit)
    return env


def status_section(environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """``/status``'s ``launcher`` section, or None for a node no launcher started."""
    env = os.environ if environ is None else environ
    if ENV_PID not in env:
        return None
    last = env.get(ENV_LAST_EXIT)
    return {
        "by": env.get(ENV_BY, ""),
        "pid": int(env[ENV_PID]),
        "restarts": int(env.get(ENV_RESTARTS, "0")),
        "backoff_s": float(env.get(ENV_BACKOFF, "0")),
        "last_exit_code": int(last) if last not in (None, "") else None,
    }


def launcher_alive(environ: Mapping[str, str] | None = None) -> bool:
    """True while the launcher named in the environment runs (True when there is none)."""
    env = os.environ if environ is None else environ
    if ENV_PID not in env:
        return True
    try:
        proc = psutil.Process(int(env[ENV_PID]))
        started = float(env.get(ENV_STARTED, "0"))
        return abs(proc.create_time() - started) < 1.0 and proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.Error, ValueError):
        return False


def watch_launcher(on_gone: Callable[[], None]) -> gevent.Greenlet | None:
    """Call ``on_gone`` once when the launcher ends; None when no launcher started us."""
    if ENV_PID not in os.environ:
        return None

    def watch() -> None:
        while launcher_alive():
            gevent.sleep(WATCH_INTERVAL)
        log.warning("the launcher (PID %s) is gone: stopping", os.environ[ENV_PID])
        on_gone()

    return gevent.spawn(watch)
