"""``ukm up``: every role on one machine, on SQLite, for trying the system out."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gevent
import gevent.event

from ukm_actors.config.private import make_private_file, private_dir, write_private
from ukm_actors.errors import UkmError

NAME = "up"
HELP = "start every role on this machine (SQLite), for trying the system out"
DESCRIPTION = """\
Start a whole store on this machine: one cash server, one marketing server,
two tills of one store, one integration module and one price-checker
module, each as its own process with its own SQLite database under DATA.

The first run writes each node's configuration to DATA/nodes/*.toml
(edit them and run again: they are kept) and registers the nodes with the
cash server. A node that stops with an error is started again, as a
service manager would. Ctrl-C stops everything.

Drop UKM XML files from the trade system into DATA/exchange/import;
receipts and shift documents appear in DATA/exchange/export.

Examples:
  ukm up                         # data in ./data, ports 8400-8406
  ukm up --data /tmp/shop --base-port 9400
"""

LAYOUT = [
    # (node id template, role, port offset)
    ("server", "server", 0),
    ("marketing", "marketing", 1),
    ("till-{store}-1", "till", 2),
    ("till-{store}-2", "till", 3),
    ("integration-{store}", "integration", 4),
    ("pricechecker-{store}", "pricechecker", 5),
]
PRICECHECKER_TCP_OFFSET = 6


@dataclass
class PlannedNode:
    node_id: str
    role: str
    port: int
    config: Path
    ready: Path
    secret: str
    extra: dict[str, Any]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data", type=Path, default=Path("data"), help="folder for everything (default ./data)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--base-port", type=int, default=8400, help="first of 7 ports (default 8400)")
    p.add_argument("--store", default="17", help="the store's external code (default 17)")
    p.add_argument(
        "--ready-timeout", type=float, default=120.0, help="seconds to wait for each node to start"
    )


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)


def render_toml(sections: dict[str, dict[str, Any]]) -> str:
    """A small TOML writer for our flat configuration files (tables nest one level)."""
    out: list[str] = []
    for name, table in sections.items():
        flat = {k: v for k, v in table.items() if not isinstance(v, dict)}
        out.append(f"[{name}]")
        out.extend(f"{k} = {_toml_value(v)}" for k, v in flat.items())
        out.append("")
        for k, v in table.items():
            if isinstance(v, dict):
                for sub, subtable in v.items():
                    out.append(
                        f"[{name}.{k}.{sub}]" if isinstance(subtable, dict) else f"[{name}.{k}]"
                    )
                    if isinstance(subtable, dict):
                        out.extend(f"{kk} = {_toml_value(vv)}" for kk, vv in subtable.items())
                    out.append("")
    return "\n".join(out)


def plan(
    data: Path,
    host: str,
    base_port: int,
    store: str,
    *,
    till_devices: dict[int, dict[str, dict[str, Any]]] | None = None,
    rewrite: bool = False,
) -> list[PlannedNode]:
    """The nodes of a one-machine install, keeping secrets already written.

    Configuration files already there are kept (the user may have edited them)
    unless ``rewrite``; ``till_devices`` gives till number → its device tables
    (default: a file printer).
    """
    nodes_dir = private_dir(data / "nodes", narrow=True)  # the files hold bridge secrets
    private_dir(data / "db", narrow=True)
    (data / "run").mkdir(exist_ok=True)
    (data / "logs").mkdir(exist_ok=True)
    for sub in ("import", "export"):
        (data / "exchange" / sub).mkdir(parents=True, exist_ok=True)
    server_url = f"http://{host}:{base_port}"
    marketing_url = f"http://{host}:{base_port + 1}"
    planned: list[PlannedNode] = []
    for template, role, offset in LAYOUT:
        node_id = template.format(store=store)
        cfg_path = nodes_dir / f"{node_id}.toml"
        secret = _existing_secret(cfg_path) or secrets.token_urlsafe(32)
        port = base_port + offset
        sections: dict[str, dict[str, Any]] = {
            "node": {
                "role": role,
                "id": node_id,
                "data_dir": "..",
                "ready_file": f"run/{node_id}.json",
            },
            "http": {"host": host, "port": port},
            "log": {"level": "INFO", "file": f"logs/{node_id}.log"},
        }
        if role in ("server", "till", "marketing"):
            sections["db"] = {"url": f"sqlite:///{(data / 'db' / f'{node_id}.db').resolve()}"}
        if role != "server":
            sections["bridge"] = {"server_url": server_url, "secret": secret}
        else:
            sections["bridge"] = {"secret": secret}
        extra: dict[str, Any] = {}
        if role == "server":
            sections["server"] = {"import_dir": "exchange/import", "export_dir": "exchange/export"}
        elif role == "till":
            number = int(node_id.rsplit("-", 1)[1])
            extra = {"store": store, "number": number}
            devices = (till_devices or {}).get(number) or {
                "printer": {"kind": "file", "path": f"run/{node_id}-printer.bin"}
            }
            sections["till"] = {
                "store": store,
                "number": number,
                "marketing_url": marketing_url,
                "devices": devices,
            }
        elif role == "integration":
            extra = {"store": store}
            sections["integration"] = {"store": store}
        elif role == "pricechecker":
            extra = {"store": store, "tcp_port": base_port + PRICECHECKER_TCP_OFFSET}
            sections["pricechecker"] = {
                "store": store,
                "tcp_host": host,
                "tcp_port": base_port + PRICECHECKER_TCP_OFFSET,
            }
        if rewrite or not cfg_path.exists():
            write_private(
                cfg_path,
                f"# {node_id}: written by `ukm up`; edit freely, it is kept.\n"
                + render_toml(sections),
            )
        else:
            make_private_file(cfg_path)
        planned.append(
            PlannedNode(
                node_id, role, port, cfg_path, data / "run" / f"{node_id}.json", secret, extra
            )
        )
    return planned


def _existing_secret(path: Path) -> str | None:
    if not path.exists():
        return None
    import tomllib

    try:
        return (
            str(
                tomllib.loads(path.read_text(encoding="utf-8")).get("bridge", {}).get("secret")
                or ""
            )
            or None
        )
    except tomllib.TOMLDecodeError:
        return None


def register(planned: list[PlannedNode]) -> dict[str, Any]:
    """Register the non-server nodes (and the store) with the cash server's database."""
    try:
        from ukm_actors.nodes.server.bootstrap import (  # type: ignore[import-not-found,unused-ignore]
            register_local_install,
        )
    except ModuleNotFoundError:
        return {}
    server = next(n for n in planned if n.role == "server")
    return register_local_install(
        server.config,
        [(n.node_id, n.role, n.secret, n.extra) for n in planned if n.role != "server"],
    )


class Supervised:
    """One node process, restarted when it fails (as systemd Restart=on-failure would)."""

    def __init__(self, node: PlannedNode) -> None:
        self.node = node
        self.proc: subprocess.Popen[bytes] | None = None
        self.failures: list[float] = []
        self.gave_up = False
        self.stopping = False

    def spawn(self) -> None:
        if self.node.ready.exists():
            self.node.ready.unlink()
        cmd = [
            sys.executable,
            "-m",
            "ukm_actors",
            "node",
            self.node.role,
            "--config",
            str(self.node.config),
        ]
        self.proc = subprocess.Popen(cmd, start_new_session=True)  # noqa: S603

    def wait_ready(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.node.ready.exists():
                info: dict[str, Any] = json.loads(self.node.ready.read_text())
                return info
            if self.proc is not None and self.proc.poll() is not None:
                raise UkmError(
                    f"{self.node.node_id} stopped while starting "
                    f"(exit code {self.proc.returncode}); "
                    f"see {self.node.config.parent.parent / 'logs' / (self.node.node_id + '.log')}"
                )
            gevent.sleep(0.1)
        raise UkmError(f"{self.node.node_id} did not start within {timeout:g} s")

    def check(self) -> str | None:
        """Restart the process if it died; returns a line to print, if any."""
        if self.proc is None or self.stopping or self.gave_up:
            return None
        code = self.proc.poll()
        if code is None:
            return None
        now = time.monotonic()
        self.failures = [t for t in self.failures if now - t < 60] + [now]
        if len(self.failures) > 5:
            self.gave_up = True
            return (
                f"{self.node.node_id} failed {len(self.failures)} times in a minute; "
                "not restarting it"
            )
        self.spawn()
        return f"{self.node.node_id} stopped (exit code {code}); started it again"

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

    def __init__(self, data: Path, planned: list[PlannedNode], ready_timeout: float) -> None:
        self.data = data
        self.planned = planned
        self.procs = [Supervised(n) for n in planned]
        self.ready_timeout = ready_timeout
        self.urls: dict[str, dict[str, Any]] = {}

    def start(self) -> dict[str, dict[str, Any]]:
        """Start the server first, then the rest; returns node id → ready info."""
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
        (self.data / "run" / "up.json").write_text(json.dumps(self.urls, indent=2))
        return self.urls

    def url(self, node_id: str) -> str:
        return str(self.urls[node_id]["url"])

    def check(self) -> list[str]:
        """Restart processes that died; returns lines to print."""
        return [line for p in self.procs if (line := p.check())]

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
        (self.data / "run" / "up.json").unlink(missing_ok=True)


def print_admin_login(installed: dict[str, Any], server_url: str) -> None:
    if installed.get("admin_password_file"):
        print(
            f"Server login: admin, password in {installed['admin_password_file']}\n"
            f"  curl -s -X POST {server_url}/api/v1/login "
            '-d \'{"login": "admin", "password": "..."}\'\n',
            flush=True,
        )


def run(args: argparse.Namespace) -> int:
    data: Path = args.data.resolve()
    planned = plan(data, args.host, args.base_port, args.store)
    installed = register(planned) or {}
    install = Install(data, planned, args.ready_timeout)
    stop = gevent.event.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        gevent.signal_handler(sig, stop.set)
    print(f"Starting UKM in {data} ...", flush=True)
    urls = install.start()
    print_summary(data, install.procs, urls)
    print_admin_login(installed, install.url("server"))
    while not stop.is_set():
        for line in install.check():
            print(line, flush=True)
        stop.wait(1.0)
    print("Stopping ...", flush=True)
    install.stop()
    print("Stopped.", flush=True)
    return 0


def print_summary(data: Path, procs: list[Supervised], urls: dict[str, dict[str, Any]]) -> None:
    print("\nUKM is running. Ctrl-C stops everything.\n")
    for p in procs:
        info = urls[p.node.node_id]
        line = f"  {p.node.node_id:<20} {p.node.role:<13} {info['url']:<26} {info['url']}/status"
        if info.get("tcp"):
            line += f"   price checkers: {info['tcp']}"
        print(line)
    print(
        f"\nTrade system exchange: drop UKM XML into {data / 'exchange' / 'import'}\n"
        f"                       exports appear in  {data / 'exchange' / 'export'}\n"
        f"Logs: {data / 'logs'}   Node settings: {data / 'nodes'}\n",
        flush=True,
    )
    os.environ.setdefault("UKM_UP_DATA", str(data))
