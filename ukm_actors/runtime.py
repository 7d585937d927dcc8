"""The gevent runtime every node process runs on.

``patch()`` must run before anything else is imported (``ukm_actors.__main__``
and the test suite's root ``conftest.py`` do it first thing). After it,
pykka's ``ThreadingActor`` threads, queues and events are greenlets, gevent
queues and gevent events. ``check()`` verifies at node start that this really
happened, and that psycopg (if it is installed) chose a cooperative wait
function, which it decides once, at its own import.
"""

from __future__ import annotations

import sys

_PATCHED = False


def patch() -> None:
    """Monkey-patch the standard library for gevent. Idempotent."""
    global _PATCHED
    if _PATCHED:
        return
    from gevent import monkey

    monkey.patch_all()
    _PATCHED = True


class RuntimeNotPatched(RuntimeError):
    """The process did not patch gevent before importing its libraries."""


def check() -> dict[str, str]:
    """Verify the runtime; return a small description for ``/status``.

    Raises ``RuntimeNotPatched`` naming what is wrong and how to fix it.
    """
    from gevent import monkey

    for module in ("threading", "socket", "select", "time", "queue"):
        if not monkey.is_module_patched(module):
            raise RuntimeNotPatched(
                f"gevent did not patch {module!r}: call ukm_actors.runtime.patch() before "
                "importing anything else (start nodes with `ukm node` or `python -m ukm_actors`)"
            )
    info = {"gevent": "patched"}
    if "psycopg" in sys.modules or _psycopg_installed():
        import psycopg.waiting

        name = getattr(psycopg.waiting.wait, "__name__", "?")
        if name == "wait_c":
            raise RuntimeNotPatched(
                "psycopg was imported before gevent patched the process and chose the blocking "
                "wait_c; import psycopg only after ukm_actors.runtime.patch()"
            )
        info["psycopg_wait"] = name
    info["bottle_local"] = _bottle_local_kind()
    import pykka

    probe = pykka.ThreadingActor.start()
    try:
        inbox = type(probe.actor_inbox)
        if not inbox.__module__.startswith("gevent"):
            raise RuntimeNotPatched(
                f"pykka's inbox is {inbox.__module__}.{inbox.__name__}, not gevent's"
            )
        info["pykka_inbox"] = f"{inbox.__module__}.{inbox.__name__}"
    finally:
        probe.stop()
    return info


def _bottle_local_kind() -> str:
    """Check that bottle's per-request storage is greenlet-local.

    bottle creates its ``threading.local`` at import; imported before patching,
    every greenlet shares one request object and handlers read each other's
    headers whenever they wait on I/O.
    """
    import bottle

    fget = bottle.LocalRequest.environ.fget
    for cell in getattr(fget, "__closure__", None) or ():
        kind = type(cell.cell_contents)
        if kind.__name__ in ("local", "_local"):
            if not kind.__module__.startswith("gevent"):
                raise RuntimeNotPatched(
                    "bottle was imported before gevent patched the process, so requests share "
                    "one request object; import bottle only after ukm_actors.runtime.patch()"
                )
            return f"{kind.__module__}.{kind.__name__}"
    return "unknown"


def _psycopg_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("psycopg") is not None


class Cooperator:
    """Keeps a CPU-heavy loop from freezing the node.

    Call ``tick()`` often (every record of an import, say). Every
    ``slice_s`` seconds of work it sleeps briefly, which lets the hub poll
    sockets: ``gevent.sleep(0)`` alone only runs ready greenlets and does not
    poll I/O, so a loop yielding with it still starves the HTTP server
    (measured: 23 round trips a second instead of thousands).
    """

    def __init__(self, slice_s: float = 0.005) -> None:
        import time

        self._clock = time.perf_counter
        self.slice_s = slice_s
        self._last = self._clock()

    def tick(self) -> None:
        now = self._clock()
        if now - self._last >= self.slice_s:
            import gevent

            gevent.sleep(0.0001)
            self._last = self._clock()
