"""What ``ukm up`` runs: the nodes of a one-machine install and their configuration files.

:func:`plan` writes ``DATA/nodes/<node>.toml`` for each node of :data:`LAYOUT`
(keeping files already there, which the user may have edited) and
:func:`register` records the nodes with the cash server's database.
"""

from __future__ import annotations

import json
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ukm_actors.config.common import Role
from ukm_actors.config.private import make_private_file, private_dir, write_private
from ukm_actors.errors import UkmError
from ukm_actors.nodes.role import role_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "import"
"""The example store's UKM XML files in a source checkout (``ukm demo``, ``ukm up``'s hint)."""

LAYOUT: list[tuple[str, Role, int]] = [
    # (node id template, role, port offset)
    ("server", "server", 0),
    ("marketing", "marketing", 1),
    ("till-{store}-1", "till", 2),
    ("till-{store}-2", "till", 3),
    ("integration-{store}", "integration", 4),
    ("pricechecker-{store}", "pricechecker", 5),
]
PRICECHECKER_TCP_OFFSET = 6
MORE_SERVERS_OFFSET = 7
"""``ukm up --servers N``: the cash servers after the first listen on base + 7, + 8, …"""
TILL_NOTE = """\
# Bank terminal, scales and fiscal register: `ukm up` starts emulated ones for this till
# and gives them to it through UKM_TILL_DEVICES, unless a [till.devices.*] table below is
# of the same kind (device = "bank" / "scales" / "fiscal", or the table's name) or
# `ukm up --no-emulators`.
# Decentralised store: the till's catalog source and folders come from the cash server
# (the store's integration settings, GET/PUT /api/v1/stores/<store>/integration; `ukm up`
# sets catalog_source = "both" and leaves the folders at the integration module's
# defaults under DATA). Setting exchange_folder or sales_folder here overrides them.
"""


@dataclass
class PlannedNode:
    node_id: str
    role: Role
    port: int
    config: Path
    ready: Path
    secret: str
    extra: dict[str, Any]


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


class ClusterNeedsPostgres(UkmError):
    """Several cash servers were asked for on a database they cannot share."""

    code = "up.cluster_needs_postgresql"


def layout(servers: int = 1) -> list[tuple[str, Role, int]]:
    """:data:`LAYOUT` with ``servers`` cash servers: ``server`` and ``server-2`` … on
    ports base + 7 …; every one of them is node ``server`` to its peers."""
    extra: list[tuple[str, Role, int]] = [
        (f"server-{k}", "server", MORE_SERVERS_OFFSET + k - 2) for k in range(2, servers + 1)
    ]
    return LAYOUT[:1] + extra + LAYOUT[1:]


def check_cluster(servers: int, server_db: str) -> None:
    """Refuse a cluster the servers cannot share (each SQLite file is one process's)."""
    if servers < 1:
        raise UkmError("--servers must be at least 1", code="up.servers")
    if servers > 1 and not server_db.startswith("postgresql"):
        raise ClusterNeedsPostgres(
            f"{servers} cash servers need one PostgreSQL database to share "
            f"(got {server_db or 'their own SQLite files'})",
            hint="pass --db postgresql+psycopg://user@host:5432/dbname (an empty database: "
            "the first server creates the tables)",
        )


def plan(
    data: Path,
    host: str,
    base_port: int,
    store: str,
    *,
    rewrite: bool = False,
    servers: int = 1,
    server_db: str = "",
) -> list[PlannedNode]:
    """The nodes of a one-machine install, keeping secrets already written.

    Configuration files already there are kept (the user may have edited them)
    unless ``rewrite``. A till's file names its printer (a file); the bank
    terminal, scales and fiscal register are emulated by the launcher (``up_devices``).
    ``servers`` cash servers share ``server_db`` (PostgreSQL; a single server
    may use it too, else its own SQLite file); the other nodes know them all.
    """
    check_cluster(servers, server_db)
    nodes_dir = private_dir(data / "nodes", narrow=True)  # the files hold bridge secrets
    private_dir(data / "db", narrow=True)
    (data / "run").mkdir(exist_ok=True)
    (data / "logs").mkdir(exist_ok=True)
    for sub in ("import", "export"):
        (data / "exchange" / sub).mkdir(parents=True, exist_ok=True)
    # The decentralised store's folders ukm up prints: there before anyone drops a file in
    # (the integration module would make them only once it has its settings from the server).
    for sub in ("from-trade", "to-trade"):
        (data / "integration" / str(store) / sub).mkdir(parents=True, exist_ok=True)
    nodes = layout(servers)
    server_urls = [f"http://{host}:{base_port + off}" for _, r, off in nodes if r == "server"]
    servers_known: dict[str, Any] = (
        {"server_urls": server_urls} if servers > 1 else {"server_url": server_urls[0]}
    )
    marketing_url = f"http://{host}:{base_port + 1}"
    server_secret = _existing_secret(nodes_dir / "server.toml") or secrets.token_urlsafe(32)
    planned: list[PlannedNode] = []
    for template, role, offset in nodes:
        node_id = template.format(store=store)
        cfg_path = nodes_dir / f"{node_id}.toml"
        secret = (
            server_secret
            if role == "server"
            else _existing_secret(cfg_path) or secrets.token_urlsafe(32)
        )
        port = base_port + offset
        sections: dict[str, dict[str, Any]] = {
            "node": {
                "role": role,
                "id": "server" if role == "server" else node_id,
                "data_dir": "..",
                "ready_file": f"run/{node_id}.json",
            },
            "http": {"host": host, "port": port},
            "log": {"level": "INFO", "file": f"logs/{node_id}.log"},
        }
        if role == "server" and server_db:
            sections["db"] = {"url": server_db}
        elif role_spec(role).has_database:
            sections["db"] = {"url": f"sqlite:///{(data / 'db' / f'{node_id}.db').resolve()}"}
        if role != "server":
            sections["bridge"] = {**servers_known, "secret": secret}
        else:
            sections["bridge"] = {"secret": secret}
        extra: dict[str, Any] = {}
        if role == "server":
            sections["server"] = {"import_dir": "exchange/import", "export_dir": "exchange/export"}
            if servers > 1:
                sections["server"]["cluster_node"] = "server-1" if node_id == "server" else node_id
        elif role == "till":
            number = int(node_id.rsplit("-", 1)[1])
            extra = {"store": store, "number": number}
            devices = {"printer": {"kind": "file", "path": f"run/{node_id}-printer.bin"}}
            # no folders here: the till asks the cash server (register: catalog_source both,
            # the integration module's default folders under the same DATA)
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
                + (TILL_NOTE if role == "till" else "")
                + render_toml(sections),
            )
        else:
            make_private_file(cfg_path)
            _check_kept(cfg_path, role, servers_known, sections.get("db", {}))
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


def _check_kept(path: Path, role: Role, servers_known: dict[str, Any], db: dict[str, Any]) -> None:
    """A kept file must agree with the cluster asked for (else the nodes would not
    find each other): refuse, naming the file, when it does not."""
    import tomllib

    try:
        kept = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError:
        return
    bridge = kept.get("bridge", {})
    if role != "server":
        have = bridge.get("server_urls") or [bridge.get("server_url")]
        want = servers_known.get("server_urls") or [servers_known.get("server_url")]
        if list(have) != list(want):
            raise UkmError(
                f"{path} names the cash servers {have}, but this run has {want}",
                code="up.kept_file",
                hint="use another --data folder for another number of servers, or delete "
                f"{path.parent} (its files are written again)",
            )
    elif db.get("url") and kept.get("db", {}).get("url") != db["url"]:
        raise UkmError(
            f"{path} keeps another database than --db {db['url']}",
            code="up.kept_file",
            hint=f"edit [db] url there, or delete {path.parent} (its files are written again)",
        )


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


class PortInUse(UkmError):
    """A port ``ukm up`` needs is taken by another program."""

    code = "up.port_in_use"


def check_ports(host: str, base_port: int, store: str, servers: int = 1) -> None:
    """Refuse, naming the port and its use, when one of the install's ports is taken."""
    uses = [
        (base_port + offset, template.format(store=store))
        for template, _, offset in layout(servers)
    ]
    uses.append((base_port + PRICECHECKER_TCP_OFFSET, "price checkers"))
    for port, use in uses:
        with socket.socket() as s:
            # as the nodes listen: connections of an earlier run in TIME_WAIT do not count
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
            except OSError as exc:
                raise PortInUse(
                    f"port {port} on {host} ({use}) cannot be used: {exc.strerror}; "
                    f"stop the program using it or pass another --base-port"
                ) from None
