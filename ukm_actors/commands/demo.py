"""``ukm demo``: start what ``ukm up`` starts, load the example catalog, play a store day."""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
import gevent.event
import urllib3

from ukm_actors.commands.demo_day import StoreDay, TillClient
from ukm_actors.commands.up import (
    print_admin_login,
    print_summary,
    start_emulators,
    stop_signals,
)
from ukm_actors.commands.up_devices import Emulators
from ukm_actors.commands.up_lock import FolderLock
from ukm_actors.commands.up_plan import EXAMPLES, check_ports, plan, register
from ukm_actors.commands.up_procs import Install
from ukm_actors.errors import UkmError
from ukm_actors.hw.emulators import ScalesEmulator

NAME = "demo"
HELP = "start everything, load the example catalog and play a store day at two tills"
DESCRIPTION = """\
Start a whole store as `ukm up` does (every node its own process, SQLite),
with emulated bank terminals, scales and fiscal registers at both tills
(every receipt, shift and cash move is registered; the export carries the
fiscal data), then:

  1. drop the example catalog (docs/examples/import) into the import folder
     and wait until both tills have it;
  2. play a day: shifts open, sales with cash, card and split payments, a
     declined card, weighed goods, an age-restricted item, a return of a
     receipt bought at the other till, cash out, shifts close;
  3. list the UKM XML files the cash server exported for the trade system.

Alcohol cannot be sold 23:00-08:00 store time (a rule of the example
catalog): at night the demo shows the refusal instead.

  ukm demo                        # data in ./demo-data, ports 8500-8506
  ukm demo --data /tmp/d --keep   # leave everything running afterwards
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data", type=Path, default=Path("demo-data"), help="folder (default ./demo-data)"
    )
    p.add_argument("--base-port", type=int, default=8500, help="first of 7 ports (default 8500)")
    p.add_argument("--examples", type=Path, default=EXAMPLES, help="UKM XML files to import")
    p.add_argument("--keep", action="store_true", help="keep the nodes running after the day")
    p.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for each stage")


def run(args: argparse.Namespace) -> int:
    data: Path = args.data.resolve()
    examples: Path = args.examples
    if not examples.is_dir() or not any(examples.glob("*.xml")):
        raise UkmError(
            f"no example files in {examples}",
            hint="run from a source checkout, or pass --examples DIR with UKM XML files",
        )
    store, host = "17", "127.0.0.1"
    with FolderLock(data, "ukm demo"):
        check_ports(host, args.base_port, store)
        planned = plan(data, host, args.base_port, store, rewrite=True)
        register(planned)
        emulators = start_emulators(planned, data)
        install = Install(
            data,
            planned,
            args.timeout,
            by="ukm demo",
            env_for=lambda n: emulators.env_for(n.node_id, n.config),
        )
        try:
            play(args, data, examples, install, emulators, store)
        finally:
            print("Stopping ...", flush=True)
            install.stop()
            emulators.stop()
    print("Done.")
    return 0


def play(
    args: argparse.Namespace,
    data: Path,
    examples: Path,
    install: Install,
    emulators: Emulators,
    store: str,
) -> None:
    """Start the nodes, load the catalog, play the day, list the exports (and --keep)."""
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=3, read=60), retries=False)
    print(f"Starting UKM in {data} ...", flush=True)
    install.start()
    print_summary(data, install, emulators)
    print_admin_login(data, install.url("server"))
    load_catalog(data, examples, install, http, store, args.timeout)
    names = [p.node.node_id for p in install.procs if p.node.role == "till"]
    tills = {t: TillClient(t, install.url(t), http) for t in names}
    scales = {t: _scales(emulators, t) for t in names}
    record = StoreDay(tills, scales=scales).play()
    (data / "run" / "demo-day.json").write_text(json.dumps(record, ensure_ascii=False, indent=2))
    files = wait_exports(data, record, args.timeout)
    print(f"\n== The cash server exported {len(files)} files for the trade system:")
    for f in files:
        print(f"  {f.relative_to(data)}")
    if args.keep:
        print("\nEverything keeps running (Ctrl-C stops it).", flush=True)
        stop = gevent.event.Event()
        for sig in stop_signals():
            gevent.signal_handler(sig, stop.set)
        stop.wait()


def _scales(emulators: Emulators, till: str) -> Callable[[int], None]:
    emu = emulators.get(till, "scales")
    assert isinstance(emu, ScalesEmulator)
    return emu.set_weight


def _json(http: urllib3.PoolManager, url: str) -> Any:
    return json.loads(http.request("GET", url).data)


def load_catalog(
    data: Path,
    examples: Path,
    install: Install,
    http: urllib3.PoolManager,
    store: str,
    timeout: float,
) -> None:
    """Copy the example files into the import folder; wait until every till has applied them."""
    inbox = data / "exchange" / "import"
    print(
        f"== Loading the example catalog ({len(list(examples.glob('*.xml')))} files) ...",
        flush=True,
    )
    for f in sorted(examples.glob("*.xml")):
        tmp = inbox / f".{f.name}.part"
        shutil.copyfile(f, tmp)
        tmp.rename(inbox / f.name)
    deadline = time.monotonic() + timeout
    tills = [p.node.node_id for p in install.procs if p.node.role == "till"]
    while True:
        waiting = [f.name for f in inbox.glob("*.xml")]
        status = _json(http, install.url("server") + "/status")
        pending = {
            c["channel"]: c.get("pending_docs", 0)
            for c in status.get("bridge", {}).get("channels", [])
            if c["channel"].startswith("server>till-")
        }
        items = {
            t: _json(http, install.url(t) + "/status").get("catalog", {}).get("items", 0)
            for t in tills
        }
        if not waiting and pending and not any(pending.values()) and all(items.values()):
            break
        if time.monotonic() > deadline:
            raise UkmError(
                f"the tills did not get the catalog within {timeout:g} s "
                f"(files waiting: {waiting}, documents pending: {pending}, items: {items})",
                hint=f"see {data / 'logs'}",
            )
        gevent.sleep(0.5)
    failed = list((inbox / "failed").glob("*.xml"))
    if failed:
        print(f"   refused files: {', '.join(f.name for f in failed)} (see their .error.txt)")
    print(f"   both tills have the catalog: {items}", flush=True)


def expected_exports(record: dict[str, Any]) -> int:
    """How many export files the day must produce: receipts, shift opens and closes, cash moves."""
    return len(record["receipts"]) + 2 * len(record["shifts"]) + len(record["cash"])


def wait_exports(data: Path, record: dict[str, Any], timeout: float) -> list[Path]:
    export = data / "exchange" / "export"
    want = expected_exports(record)
    deadline = time.monotonic() + timeout
    while True:
        files = sorted(f for f in export.glob("*.xml") if not f.name.startswith("."))
        if len(files) >= want or time.monotonic() > deadline:
            if len(files) < want:
                print(f"   only {len(files)} of {want} export files arrived in {timeout:g} s")
            return files
        gevent.sleep(0.5)
