"""One store's nodes as OS processes for the cluster-client tests: a real cash server
(its database, the example catalog imported from its folder, the nodes registered as
``ukm up`` does) and a stand-in for a server that cannot serve (503 to everything)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent
from gevent.pool import Pool
from gevent.pywsgi import WSGIServer
from gevent.server import StreamServer

from tests.bridge.helpers import free_port
from tests.nodes.helpers import NodeProcess, write_config
from ukm_actors.bridge.servers import preferred_index
from ukm_actors.nodes.server.bootstrap import PASSWORD_FILE, NodeEntry, register_local_install
from ukm_actors.supervision.testing import expect

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples" / "import"

FAST = {
    "retry_initial": 0.05,
    "retry_maximum": 0.5,
    "poll_wait": 2.0,
    "connect_timeout": 2.0,
    "failback": 1.0,
}
"""Quick retries, and back to the preferred server after a second: each test then also
sees a node try its preferred (failing) server again and move on again."""

UNAVAILABLE = json.dumps(
    {"ok": False, "error": {"code": "db.unavailable", "message": "the database does not answer"}}
).encode()


class Unavailable:
    """An HTTP server on 127.0.0.1 that answers every request 503 ``db.unavailable``, as a
    cash server does while its database is away."""

    def __init__(self) -> None:
        self.requests: list[str] = []

        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            self.requests.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
            start_response(
                "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(UNAVAILABLE)))],
            )
            return [UNAVAILABLE]

        self.server = WSGIServer(("127.0.0.1", 0), app, log=None, spawn=Pool(50))
        self.server.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.stop(timeout=0.1)


class Silent:
    """A TCP server on 127.0.0.1 that reads requests and never answers, as a cash server
    stopped (SIGSTOP) or swapping looks to its clients; ``requests`` lists the request
    lines it read."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._held: list[Any] = []
        self.server = StreamServer(("127.0.0.1", 0), self._handle, spawn=Pool(50))
        self.server.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def _handle(self, sock: Any, _address: Any) -> None:
        self._held.append(sock)
        buf = b""
        while True:
            data = sock.recv(65536)
            if not data:
                return
            buf += data
            while b"\r\n\r\n" in buf:
                head, _, buf = buf.partition(b"\r\n\r\n")
                self.requests.append(" ".join(head.split(b"\r\n")[0].decode().split()[:2]))

    def stop(self) -> None:
        self.server.stop(timeout=0.1)
        for sock in self._held:
            sock.close()


def failing_server(kind: str) -> tuple[str, Unavailable | Silent | None]:
    """The URL of a server that fails: ``refused`` (nothing listens), ``503`` or
    ``silent`` (never answers)."""
    if kind == "refused":
        return f"http://127.0.0.1:{free_port()}", None
    stub = Unavailable() if kind == "503" else Silent()
    return stub.url, stub


def preferring(node_id: str, failing: str, live: str) -> list[str]:
    """``server_urls`` with ``failing`` arranged to be the one ``node_id`` prefers."""
    return [failing, live] if preferred_index(node_id, 2) == 0 else [live, failing]


@dataclass
class Site:
    """A cash server process under ``root`` with the nodes it knows (id → role, extra)."""

    root: Path
    db_url: str
    nodes: dict[str, tuple[str, dict[str, Any]]]
    server: NodeProcess | None = None
    procs: list[NodeProcess] = field(default_factory=list)

    def secret(self, node_id: str) -> str:
        return f"secret-of-{node_id}"

    @property
    def import_dir(self) -> Path:
        return self.root / "exchange" / "import"

    def admin_password(self) -> str:
        return (self.root / "server" / PASSWORD_FILE).read_text(encoding="utf-8").strip()

    def start_server(self, **sections: Any) -> NodeProcess:
        """Register the nodes, drop the example catalog into the import folder, start
        the server and wait until it has loaded every file."""
        d = self.root / "server"
        d.mkdir(parents=True)
        self.import_dir.mkdir(parents=True)
        cfg = write_config(
            d / "server.toml",
            {
                "node": {
                    "role": "server",
                    "id": "server",
                    "data_dir": str(d),
                    "ready_file": "ready.json",
                },
                "http": {"host": "127.0.0.1", "port": 0},
                "db": {"url": self.db_url},
                "bridge": {**FAST, "secret": "server-secret"},
                "server": {
                    "import_dir": str(self.import_dir),
                    "export_dir": str(self.root / "exchange" / "export"),
                    "import_poll": 0.2,
                    "import_settle": 0.0,
                },
                "log": {"level": "INFO"},
                **sections,
            },
        )
        entries: list[NodeEntry] = [
            (nid, role, self.secret(nid), extra) for nid, (role, extra) in self.nodes.items()
        ]
        register_local_install(cfg, entries)
        for f in sorted(EXAMPLES.glob("*.xml")):
            tmp = self.import_dir / f".{f.name}.part"
            shutil.copyfile(f, tmp)
            tmp.rename(self.import_dir / f.name)
        self.server = NodeProcess("server", cfg, d / "ready.json").start(timeout=90)
        expect(
            lambda: not list(self.import_dir.glob("*.xml")),
            within=60,
            what="the example catalog loaded",
        )
        failed = self.import_dir / "failed"
        assert not failed.exists() or not list(failed.iterdir()), "an example file was refused"
        return self.server

    def start_node(self, node_id: str, bridge: dict[str, Any], **sections: Any) -> NodeProcess:
        """Node ``node_id`` (its role from ``nodes``) as a process on its own files."""
        role = self.nodes[node_id][0]
        d = self.root / node_id
        d.mkdir(parents=True)
        config: dict[str, Any] = {
            "node": {"role": role, "id": node_id, "data_dir": str(d), "ready_file": "ready.json"},
            "http": {"host": "127.0.0.1", "port": 0},
            "bridge": {**FAST, "secret": self.secret(node_id), **bridge},
            "log": {"level": "INFO"},
            **sections,
        }
        if role != "pricechecker":
            config["db"] = {"url": f"sqlite:///{d / 'node.db'}"}
        cfg = write_config(d / f"{node_id}.toml", config)
        proc = NodeProcess(role, cfg, d / "ready.json")
        self.procs.append(proc)
        return proc.start(timeout=90)

    def stop(self) -> None:
        for p in [*reversed(self.procs), *([self.server] if self.server else [])]:
            if p.proc is None or p.proc.poll() is not None:
                continue
            try:
                p.terminate(timeout=30)
            except Exception:  # noqa: BLE001 - stop the rest anyway
                p.proc.kill()
        gevent.sleep(0)
