"""Starting real nodes in the test process (port 0) and as OS processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import gevent
import urllib3

from ukm_actors.commands.up_plan import render_toml
from ukm_actors.config import load_config
from ukm_actors.nodes.base import Node

http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=30), retries=False)


def start_node(
    role: str, tmp_path: Path, db_url: str | None = None, **sections: dict[str, Any]
) -> Node:
    """A node of ``role`` in this process, on 127.0.0.1 port 0, data under ``tmp_path``."""
    overrides: dict[str, dict[str, Any]] = {"http": {"host": "127.0.0.1", "port": 0}}
    node_dir = tmp_path / sections.get("node", {}).get("id", role)
    node_dir.mkdir(parents=True, exist_ok=True)
    overrides["node"] = {"data_dir": str(node_dir)}
    if db_url:
        overrides["db"] = {"url": db_url}
    for name, table in sections.items():
        overrides.setdefault(name, {}).update(table)
    config = load_config(None, role=role, overrides=overrides)
    return Node(config).start()


def get_json(url: str, **kw: Any) -> tuple[int, Any]:
    r = http.request("GET", url, **kw)
    return r.status, json.loads(r.data) if r.data else None


def write_config(path: Path, sections: dict[str, dict[str, Any]]) -> Path:
    path.write_text(render_toml(sections), encoding="utf-8")
    return path


class NodeProcess:
    """``ukm node ROLE --config FILE`` as a real OS process."""

    def __init__(
        self, role: str, config: Path, ready: Path, env: dict[str, str] | None = None
    ) -> None:
        self.role, self.config, self.ready = role, config, ready
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}
        self.prefix: list[str] = []
        """Put before the command (``ip netns exec NS``: the node in a network namespace)."""

    def start(self, timeout: float = 60) -> NodeProcess:
        if self.ready.exists():
            self.ready.unlink()
        log = open(self.config.with_suffix(".out"), "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                *self.prefix,
                sys.executable,
                "-m",
                "ukm_actors",
                "node",
                self.role,
                "--config",
                str(self.config),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        deadline = time.monotonic() + timeout
        while not self.ready.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.role} exited with {self.proc.returncode}: {self.output()[-3000:]}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.role} did not start: {self.output()[-3000:]}")
            gevent.sleep(0.05)
        self.info = json.loads(self.ready.read_text())
        return self

    @property
    def url(self) -> str:
        return str(self.info["url"])

    def output(self) -> str:
        p = self.config.with_suffix(".out")
        return p.read_text(errors="replace") if p.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no chance to clean up (power loss, OOM killer)."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def terminate(self, timeout: float = 30) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def wait(self, timeout: float = 30) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)
