"""``ukm up``: every role on one machine, on SQLite, for trying the system out.

The parts: ``up_plan`` (the nodes and their files), ``up_procs`` (their
processes: restarts with back-off, dying with the launcher), ``up_devices``
(emulated bank terminals, scales and fiscal registers), ``up_lock`` (one launcher per folder).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

import gevent
import gevent.event

from ukm_actors.commands.up_devices import EMULATED, EmulatorOptions, Emulators
from ukm_actors.commands.up_lock import FolderLock
from ukm_actors.commands.up_plan import (
    EXAMPLES,
    PlannedNode,
    check_ports,
    plan,
    register,
    render_toml,
)
from ukm_actors.commands.up_procs import BACKOFF_MAX, RESET_AFTER, Install

__all__ = ["add_arguments", "render_toml", "run"]  # render_toml: moved to up_plan

NAME = "up"
HELP = "start every role on this machine (SQLite), for trying the system out"
DESCRIPTION = f"""\
Start a whole store on this machine: one cash server, one marketing server,
two tills of one store, one integration module and one price-checker
module, each as its own process with its own SQLite database under DATA.
Each till gets an emulated bank terminal, scales and fiscal register
({", ".join(e.kind for e in EMULATED)}; the register keeps its fiscal storage in
DATA/run/<till>-fiscal.json; --no-emulators leaves them all out).

The first run writes each node's configuration to DATA/nodes/*.toml
(edit them and run again: they are kept) and registers the nodes with the
cash server. A node that stops by itself is started again after a back-off
that doubles from 1 s to at most {BACKOFF_MAX:g} s (and starts from 1 s again after
{RESET_AFTER:g} s of running); ukm up never gives up on it. Ctrl-C stops
everything; if ukm up itself is killed, its nodes stop too. One ukm up per
DATA folder: a second one refuses to start.

Drop UKM XML files from the trade system into DATA/exchange/import;
receipts and shift documents appear in DATA/exchange/export. A decentralised
trade system (talking to the tills, not the server) drops its files into
DATA/integration/STORE/from-trade: the integration module queues them for
each till, the tills load them, and every till's receipts and shift files
appear in DATA/integration/STORE/to-trade. The module and the tills take
these folders from the cash server's integration settings of the store
(GET/PUT /api/v1/stores/STORE/integration; the tills' catalog source is
"both"). DATA/run/up.json lists every node's address, PID, restarts and
back-off.

A cluster: --servers 3 --db postgresql+psycopg://user@host/db starts three
cash servers on that PostgreSQL database (ports base, base+7, base+8; every
other node knows all three and prefers one by its id); the other roles keep
their own SQLite files. See docs/cluster.md.

Examples:
  ukm up                         # data in ./data, ports 8400-8406
  ukm up --data /tmp/shop --base-port 9400
  ukm up --servers 3 --db postgresql+psycopg://postgres@127.0.0.1:5432/ukm
"""


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
    p.add_argument(
        "--servers",
        type=int,
        default=1,
        metavar="N",
        help="cash servers sharing --db (default 1; more need PostgreSQL)",
    )
    p.add_argument(
        "--db",
        default="",
        metavar="URL",
        help="the cash servers' database (postgresql+psycopg://…; default a SQLite file)",
    )
    add_emulator_arguments(p)


def add_emulator_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-emulators",
        action="store_true",
        help="give the tills no emulated devices (bank terminal, scales, fiscal register)",
    )
    p.add_argument(
        "--scales-weight",
        type=int,
        default=500,
        metavar="GRAMS",
        help="what the emulated scales weigh (default 500 g)",
    )


def start_emulators(
    planned: list[PlannedNode],
    data: Path,
    *,
    enabled: bool = True,
    scales_weight: int = 500,
) -> Emulators:
    """The tills' emulated devices (none unless ``enabled``), started; those that keep
    state (the fiscal register) keep it in ``data``/run."""
    tills = [n.node_id for n in planned if n.role == "till"] if enabled else []
    options = EmulatorOptions(scales_weight=scales_weight, state_dir=data / "run")
    return Emulators(tills, options).start()


def run(args: argparse.Namespace) -> int:
    data: Path = args.data.resolve()
    with FolderLock(data, "ukm up"):
        check_ports(args.host, args.base_port, args.store, args.servers)
        planned = plan(
            data,
            args.host,
            args.base_port,
            args.store,
            servers=args.servers,
            server_db=args.db,
        )
        register(planned)
        stop = gevent.event.Event()
        for sig in stop_signals():
            gevent.signal_handler(sig, stop.set)
        emulators = start_emulators(
            planned, data, enabled=not args.no_emulators, scales_weight=args.scales_weight
        )
        try:
            install = Install(
                data,
                planned,
                args.ready_timeout,
                by="ukm up",
                env_for=lambda n: emulators.env_for(n.node_id, n.config),
            )
            print(f"Starting UKM in {data} ...", flush=True)
            install.start()
            print_summary(data, install, emulators)
            print_admin_login(data, install.url("server"))
            while not stop.is_set():
                for line in install.check():
                    print(line, flush=True)
                stop.wait(1.0)
            print("Stopping ...", flush=True)
            install.stop()
        finally:
            emulators.stop()
    print("Stopped.", flush=True)
    return 0


def stop_signals() -> list[int]:
    """Signals that stop the launcher (and so its nodes): Ctrl-C, kill, a closed terminal."""
    sigs: list[int] = [signal.SIGINT, signal.SIGTERM]
    if sys.platform != "win32":
        sigs.append(signal.SIGHUP)
    return sigs


def print_admin_login(data: Path, server_url: str) -> None:
    """How to log into the admin API as the first admin (while its password file is there)."""
    from ukm_actors.nodes.server.bootstrap import PASSWORD_FILE

    path = data / PASSWORD_FILE
    if path.exists():
        print(
            f"Admin API login: admin, the password is the one line of {path}\n"
            f"  curl -s -X POST {server_url}/api/v1/login "
            f'-d "{{\\"login\\": \\"admin\\", \\"password\\": \\"$(cat {path})\\"}}"\n',
            flush=True,
        )


def print_screens(install: Install) -> None:
    """The tills' cashier screens and customer displays (open them in a browser)."""
    tills = [p.node.node_id for p in install.procs if p.node.role == "till"]
    if not tills:
        return
    print("\nCashier screens (log in as a cashier of the loaded catalog):")
    for node_id in tills:
        url = install.urls[node_id]["url"]
        print(f"  {node_id:<20} {url}/   customer display: {url}/display")


def print_consoles(install: Install) -> None:
    """The web consoles of the cash servers and the marketing server (employees log in)."""
    shown = {"server": "cash server console", "marketing": "marketing console"}
    lines = [
        f"  {p.node.node_id:<20} {install.urls[p.node.node_id]['url']}/   {shown[p.node.role]}"
        for p in install.procs
        if p.node.role in shown
    ]
    if lines:
        print("\nConsoles (log in as admin, the password below):")
        print("\n".join(lines))


def print_catalog_hint(data: Path) -> None:
    """How to load a catalog when the import folder has never had one."""
    imported = data / "exchange" / "import"
    if any(imported.glob("*.xml")) or any(imported.glob("processed/*")):
        return
    example = EXAMPLES if EXAMPLES.is_dir() else None
    print("\nThe catalog is empty: the cashiers and items come from the trade system's files.")
    if example is not None:
        print(f"  try the example store:  cp {example}/*.xml {imported}/")
    print("  (or `ukm demo`, which loads them and plays a store day)")


def print_summary(data: Path, install: Install, emulators: Emulators) -> None:
    store = next((p.node.extra.get("store") for p in install.procs if p.node.extra), "17")
    decentral = data / "integration" / str(store)
    print("\nUKM is running. Ctrl-C stops everything.\n")
    print(f"  {'node':<20} {'role':<13} {'PID':>7}  {'address':<26} restarts")
    for p in install.procs:
        info = install.urls[p.node.node_id]
        state = p.state()
        line = (
            f"  {p.node.node_id:<20} {p.node.role:<13} {state['pid'] or '-':>7}  "
            f"{info['url']:<26} {state['restarts']}"
        )
        if info.get("tcp"):
            line += f"   price checkers: {info['tcp']}"
        print(line)
        for device in emulators.describe(p.node.node_id):
            print(f"  {'':<20} emulated {device}")
    print_screens(install)
    print_consoles(install)
    print_catalog_hint(data)
    print(
        f"\nEvery node: GET <address>/status (its PID, tree, restarts by ukm up), /health.\n"
        f"Trade system exchange: drop UKM XML into {data / 'exchange' / 'import'}\n"
        f"                       exports appear in  {data / 'exchange' / 'export'}\n"
        f"Decentralised store:   drop UKM XML into {decentral / 'from-trade'}\n"
        f"                       (queued per till:  {decentral / 'tills' / '<N>' / 'in'})\n"
        f"                       tills' sales in    {decentral / 'to-trade'}\n"
        f"                       folders set on the cash server: "
        f"/api/v1/stores/{store}/integration\n"
        f"Logs: {data / 'logs'}   Node settings: {data / 'nodes'}   "
        f"Processes: {install.run_file}\n",
        flush=True,
    )
