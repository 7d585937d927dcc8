"""The node processes of ``ukm up`` / ``ukm demo``: start, restart with back-off, stop.

Every node is a child process (``python -m ukm_actors node ROLE``) in its own
session, so Ctrl-C at the terminal reaches only the launcher, which stops
the nodes in order. A node that stops by itself is started again after a
back-off that doubles with each failure in a row (1 s, 2 s, 4 s … at most
:data:`BACKOFF_MAX`), and starts from 1 s again once a run lasted
:data:`RESET_AFTER` seconds; the launcher never gives up.

The nodes die with the launcher, however it ends: on Linux the kernel sends
them SIGTERM when it exits (``PR_SET_PDEATHSIG``, even after SIGKILL); on
every system each node also checks every second that its launcher still
runs (``ukm_actors.launched``).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent

from ukm_actors import launched
from ukm_actors.commands.up_plan import PlannedNode
from ukm_actors.errors import UkmError
from ukm_actors.supervision import Backoff

BACKOFF = Backoff(initial=1.0, maximum=60.0, factor=2.0, jitter=0.1)
BACKOFF_MAX = BACKOFF.maximum
RESET_AFTER = 60.0
"""A run at least this long (seconds) resets the back-off to its first step."""
PR_SET_PDEATHSIG = 1

EnvFor = Callable[[PlannedNode], dict[str, str]]


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when this process ends."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before fork: nothing to load in the child
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the launcher died before prctl took effect
            os._exit(1)

    return preexec


def exit_text(code: int) -> str:
    """``exit code 1``, or ``killed by SIGKILL`` for a negative Popen return code."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class NodeProcess:
    """One node's process, started again after a back-off when it stops by itself."""

    def __init__(self, node: PlannedNode, by: str, env_for: EnvFor | None = None) -> None:
        self.node = node
        self.by = by
        self.env_for = env_for
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.failures_in_row = 0
        self.backoff = 0.0
        self.last_exit: int | None = None
        self.started_at = 0.0
        self.next_start: float | None = None
        self.stopping = False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def log_file(self) -> Path:
        return self.node.config.parent.parent / "logs" / f"{self.node.node_id}.log"

    def spawn(self) -> None:
        self.node.ready.unlink(missing_ok=True)
        env = dict(os.environ)
        env.update(
            launched.launch_env(
                self.by, restarts=self.restarts, backoff=self.backoff, last_exit=self.last_exit
            )
        )
        if self.env_for is not None:
            env.update(self.env_for(self.node))
        cmd = [sys.executable, "-m", "ukm_actors", "node", self.node.role]
        self.proc = subprocess.Popen(  # noqa: S603 - our own module, our own interpreter
            [*cmd, "--config", str(self.node.config)],
            start_new_session=True,
            env=env,
            preexec_fn=_die_with_parent(),  # safe: no OS threads (greenlets)
        )
        self.started_at = time.monotonic()
        self.next_start = None

    def wait_ready(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.node.ready.exists():
                info: dict[str, Any] = json.loads(self.node.ready.read_text())
                return info
            if self.proc is not None and self.proc.poll() is not None:
                raise UkmError(
                    f"{self.node.node_id} stopped while starting "
                    f"(exit code {self.proc.returncode}); see {self.log_file}"
                )
            gevent.sleep(0.1)
        raise UkmError(f"{self.node.node_id} did not start within {timeout:g} s")

    def check(self, now: float) -> str | None:
        """Restart the process when it died and its back-off is over; a line to print, if any."""
        if self.proc is None or self.stopping:
            return None
        if self.next_start is not None:
            if now < self.next_start:
                return None
            self.restarts += 1
            self.spawn()
            return f"{self.node.node_id} started again (PID {self.pid}, restart {self.restarts})"
        code = self.proc.poll()
        if code is None:
            return None
        ran = now - self.started_at
        if ran >= RESET_AFTER:
            self.failures_in_row = 0
        self.backoff = BACKOFF.delay(self.failures_in_row)
        self.failures_in_row += 1
        self.last_exit = code
        self.next_start = now + self.backoff
        return (
            f"{self.node.node_id} stopped ({exit_text(code)}) after {ran:.0f} s; "
            f"starting it again in {self.backoff:.0f} s (see {self.log_file})"
        )

    def state(self) -> dict[str, Any]:
        """For ``run/up.json``: PID, restarts, back-off, and whether it runs."""
        running = self.proc is not None and self.proc.poll() is None
        return {
            "pid": self.pid if running else None,
            "state": "running" if running else ("waiting" if self.next_start else "stopped"),
            "restarts": self.restarts,
            "backoff_s": round(self.backoff, 1),
            "last_exit_code": self.last_exit,
        }

    def terminate(self) -> None:
        self.stopping = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Install:
    """The processes of a one-machine install: start in order, watch, stop in reverse."""

    def __init__(
        self,
        data: Path,
        planned: list[PlannedNode],
        ready_timeout: float,
        *,
        by: str = "ukm up",
        env_for: EnvFor | None = None,
    ) -> None:
        self.data = data
        self.planned = planned
        self.procs = [NodeProcess(n, by, env_for) for n in planned]
        self.ready_timeout = ready_timeout
        self.urls: dict[str, dict[str, Any]] = {}

    @property
    def run_file(self) -> Path:
        return self.data / "run" / "up.json"

    def start(self) -> dict[str, dict[str, Any]]:
        """Start the server first, then the rest; returns node id → ready info."""
        self.run_file.unlink(missing_ok=True)  # left by a launcher that was killed
        try:
            for p in self.procs:
                p.spawn()
                if p.node.role == "server":
                    self.urls[p.node.node_id] = p.wait_ready(self.ready_timeout)
            for p in self.procs:
                if p.node.node_id not in self.urls:
                    self.urls[p.node.node_id] = p.wait_ready(self.ready_timeout)
        except UkmError:
            self.stop(20)
            raise
        self.write_run_file()
        return self.urls

    def write_run_file(self) -> None:
        """``run/up.json``: each node's ready info (url, …) and process state."""
        body = {
            p.node.node_id: {**self.urls.get(p.node.node_id, {}), **p.state()} for p in self.procs
        }
        tmp = self.run_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(body, indent=2))
        os.replace(tmp, self.run_file)

    def url(self, node_id: str) -> str:
        return str(self.urls[node_id]["url"])

    def check(self) -> list[str]:
        """Restart processes that died (after their back-off); returns lines to print."""
        now = time.monotonic()
        lines = [line for p in self.procs if (line := p.check(now))]
        if lines:
            self.write_run_file()
        return lines

    def stop(self, timeout: float = 30) -> None:
        """Stop tills and modules first (together), then the marketing server, then the
        cash server, so nobody spends its last seconds retrying a stopped peer."""
        waves = [
            [p for p in self.procs if p.node.role not in ("server", "marketing")],
            [p for p in self.procs if p.node.role == "marketing"],
            [p for p in self.procs if p.node.role == "server"],
        ]
        for wave in waves:
            for p in wave:
                p.terminate()
            for p in wave:
                p.wait_stopped(timeout)
        self.run_file.unlink(missing_ok=True)
