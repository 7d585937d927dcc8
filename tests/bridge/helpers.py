"""Nodes made of the bridge only (``ukm_actors.bridge.testing``), in process and as processes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import gevent

from tests.nodes.helpers import write_config
from ukm_actors.bridge import outbox
from ukm_actors.bridge.documents import channel_name
from ukm_actors.bridge.peers import register_peer
from ukm_actors.bridge.testing import node_class
from ukm_actors.config import load_config
from ukm_actors.db import Database
from ukm_actors.db.migrate import upgrade
from ukm_actors.nodes.base import Node

FAST = {
    "retry_initial": 0.05,
    "retry_maximum": 0.3,
    "poll_wait": 5.0,
    "poll_recheck": 0.5,
    "transfer_timeout": 10.0,
}
SERVER_SECRET = "server-secret-for-tests"


def bridge_node(
    role: str, tmp_path: Path, db_url: str | None = None, **sections: dict[str, Any]
) -> Node:
    """A started node of ``role`` with only its transport and the test documents."""
    overrides: dict[str, dict[str, Any]] = {"http": {"host": "127.0.0.1", "port": 0}}
    node_id = sections.get("node", {}).get("id") or role
    node_dir = tmp_path / node_id
    node_dir.mkdir(parents=True, exist_ok=True)
    overrides["node"] = {"data_dir": str(node_dir)}
    overrides["bridge"] = dict(FAST)
    if role == "server":
        overrides["bridge"]["secret"] = SERVER_SECRET
    if db_url:
        overrides["db"] = {"url": db_url}
    for name, table in sections.items():
        overrides.setdefault(name, {}).update(table)
    config = load_config(None, role=role, overrides=overrides)
    node: Node = node_class()(config).start()
    return node


def migrate(db_url: str, role: str) -> None:
    """Create ``role``'s tables in ``db_url`` (before its node starts)."""
    import importlib

    db = Database(db_url)
    pkg = importlib.import_module(f"ukm_actors.nodes.{role}")
    upgrade(db, Path(pkg.__file__ or "").parent / "migrations")
    db.dispose()


def register(db_url: str, node_id: str, kind: str, store: str | None, secret: str) -> None:
    db = Database(db_url)
    with db.write() as session:
        register_peer(session, node_id, kind, store=store, secret=secret)
    db.dispose()


def till_sections(
    server_url: str, secret: str, store: str = "17", number: int = 1, **bridge: Any
) -> dict[str, dict[str, Any]]:
    return {
        "node": {"id": f"till-{store}-{number}"},
        "till": {"store": store, "number": number},
        "bridge": {"server_url": server_url, "secret": secret, **bridge},
    }


def put_many(
    node: Node,
    receiver: str,
    n: int,
    doc_type: str = "test.row",
    *,
    per_txn: int = 100,
    body: bytes | None = None,
) -> str:
    """Queue ``n`` documents on ``me>receiver`` (``per_txn`` per transaction) and notify."""
    channel = channel_name(node.ctx.node_id, receiver)
    db = node.ctx.require_db()
    done = 0
    while done < n:
        with db.write() as session:
            for _ in range(min(per_txn, n - done)):
                done += 1
                outbox.put(
                    session,
                    channel,
                    doc_type,
                    body if body is not None else json.dumps({"n": done}).encode(),
                )
        gevent.sleep(0)
    node.ctx.services.bridge.notify(channel)
    return channel


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BridgeProcess:
    """``python -m ukm_actors.bridge.testnode`` as a real OS process."""

    def __init__(self, config: Path, ready: Path) -> None:
        self.config, self.ready = config, ready
        self.proc: subprocess.Popen[bytes] | None = None

    @classmethod
    def write(cls, tmp_path: Path, name: str, sections: dict[str, dict[str, Any]]) -> BridgeProcess:
        d = tmp_path / name
        d.mkdir(parents=True, exist_ok=True)
        ready = d / "ready.json"
        sections = {**sections}
        sections["node"] = {
            **sections.get("node", {}),
            "data_dir": str(d),
            "ready_file": str(ready),
        }
        sections.setdefault("log", {"level": "INFO"})
        return cls(write_config(d / f"{name}.toml", sections), ready)

    def start(self, timeout: float = 60) -> BridgeProcess:
        if self.ready.exists():
            self.ready.unlink()
        out = open(self.config.with_suffix(".out"), "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ukm_actors.bridge.testnode", "--config", str(self.config)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while not self.ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"bridge node did not start: {self.output()[-3000:]}")
            gevent.sleep(0.05)
        return self

    def output(self) -> str:
        p = self.config.with_suffix(".out")
        return p.read_text(errors="replace") if p.exists() else ""

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def signed(
    method: str,
    url: str,
    path: str,
    *,
    node: str,
    key: bytes,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    now: float | None = None,
) -> Any:
    """A raw signed request (for tests that need to get the signing wrong on purpose)."""

    from ukm_actors.bridge.auth import sign

    raw_path, sep, query = path.partition("?")
    h = sign(key, node, method, raw_path + sep + query, body, now)
    h["Connection"] = "close"  # no idle kept-alive handler left for the node's stop to wait on
    h.update(headers or {})
    return RAW.request(method, url + path, body=body or None, headers=h, retries=False)


def _raw_pool() -> Any:
    import urllib3

    return urllib3.PoolManager(timeout=urllib3.Timeout(connect=2, read=30), retries=False)


RAW = _raw_pool()


def docs(channel: str, seqs: Any, doc_type: str = "test.row", body: bytes | None = None) -> bytes:
    """A batch body of documents ``seqs`` of ``channel``."""
    from ukm_actors.bridge.documents import Document

    return b"".join(
        Document.make(
            doc_type, body if body is not None else f"doc {s}".encode(), channel=channel, seq=s
        ).render()
        for s in seqs
    )
