"""A cluster as OS processes: N cash servers on one PostgreSQL schema, tills of two
stores on their own SQLite files, a cashier selling at each till through its API."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent
import sqlalchemy as sa
import urllib3

from tests.nodes.helpers import NodeProcess, write_config
from ukm_actors.commands.demo_day import TillClient, TillRefused
from ukm_actors.nodes.server.bootstrap import register_local_install
from ukm_actors.supervision.testing import expect

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples" / "import"
STORES = ("17", "18")
CASHIER = {"17": ("104", "7741"), "18": ("104", "7741")}
BARCODES = ("4600000000015", "4607001771234", "4690228004612")
NEW_ARTICLE = "990001"

HTTP = urllib3.PoolManager(timeout=urllib3.Timeout(connect=3, read=30), retries=False, maxsize=16)


def fast_bridge() -> dict[str, Any]:
    return {
        "retry_initial": 0.2,
        "retry_maximum": 2.0,
        "poll_wait": 5.0,
        "poll_recheck": 1.0,
        "connect_timeout": 2.0,
        "transfer_timeout": 8.0,
        "failback": 20.0,
    }


@dataclass
class Cluster:
    """Configuration files and processes of a test cluster under ``root``."""

    root: Path
    db_url: str
    servers: int = 3
    tills_per_store: int = 2
    log_level: str = "INFO"
    server_procs: list[NodeProcess] = field(default_factory=list)
    till_procs: dict[str, NodeProcess] = field(default_factory=dict)
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    _engine: sa.Engine | None = None

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    def till_ids(self) -> list[str]:
        return [f"till-{s}-{n}" for s in STORES for n in range(1, self.tills_per_store + 1)]

    # -- files -------------------------------------------------------------------------

    def write(self, server_extra: dict[str, Any] | None = None) -> None:
        (self.exchange / "import").mkdir(parents=True, exist_ok=True)
        (self.exchange / "export").mkdir(parents=True, exist_ok=True)
        for i in range(1, self.servers + 1):
            d = self.root / f"server-{i}"
            d.mkdir(parents=True, exist_ok=True)
            write_config(
                d / "server.toml",
                {
                    "node": {
                        "role": "server",
                        "id": "server",
                        "data_dir": str(d),
                        "ready_file": str(d / "ready.json"),
                    },
                    "http": {"host": "127.0.0.1", "port": 0},
                    "db": {"url": self.db_url, "pool_size": 6},
                    "bridge": {"secret": self.secret, **fast_bridge()},
                    "server": {
                        "cluster_node": f"server-{i}",
                        "import_dir": str(self.exchange / "import"),
                        "export_dir": str(self.exchange / "export"),
                        "import_poll": 1.0,
                        "import_settle": 0.5,
                        "export_scan": 1.0,
                        "import_lease_ttl": 8.0,
                        **(server_extra or {}),
                    },
                    "log": {"level": self.log_level},
                },
            )
            self.server_procs.append(NodeProcess("server", d / "server.toml", d / "ready.json"))

    def register(self) -> None:
        """Migrate the shared database and register every till (their secrets)."""
        entries = []
        for till in self.till_ids():
            _, store, number = till.split("-")
            entries.append(
                (till, "till", self.till_secret(till), {"store": store, "number": int(number)})
            )
        register_local_install(self.server_procs[0].config, entries)

    def till_secret(self, till: str) -> str:
        return f"{self.secret}-{till}"

    def write_tills(self) -> None:
        urls = [p.url for p in self.server_procs]
        for till in self.till_ids():
            _, store, number = till.split("-")
            d = self.root / till
            d.mkdir(parents=True, exist_ok=True)
            write_config(
                d / "till.toml",
                {
                    "node": {
                        "role": "till",
                        "id": till,
                        "data_dir": str(d),
                        "ready_file": str(d / "ready.json"),
                    },
                    "http": {"host": "127.0.0.1", "port": 0},
                    "db": {"url": f"sqlite:///{d / 'till.db'}"},
                    "bridge": {
                        "server_urls": urls,
                        "secret": self.till_secret(till),
                        **fast_bridge(),
                    },
                    "till": {
                        "store": store,
                        "number": int(number),
                        "devices": {"printer": {"kind": "file", "path": str(d / "printer.bin")}},
                    },
                    "log": {"level": "INFO"},
                },
            )
            self.till_procs[till] = NodeProcess("till", d / "till.toml", d / "ready.json")

    # -- catalog -----------------------------------------------------------------------

    def import_files(self, files: dict[str, str]) -> None:
        """Drop files into the import folder the way a trade system should (rename)."""
        folder = self.exchange / "import"
        for name, text in files.items():
            tmp = folder / f".{name}.part"
            tmp.write_text(text, encoding="utf-8")
            tmp.rename(folder / name)

    def caught_up(self) -> bool:
        """Every import file loaded and every till's queue delivered (as ``ukm demo``)."""
        if list((self.exchange / "import").glob("*.xml")):
            return False
        st = self.status(self.server_procs[0].url)
        pending = [
            c.get("pending_docs", 0)
            for c in st.get("bridge", {}).get("channels", [])
            if c["channel"].startswith("server>till-")
        ]
        return len(pending) == len(self.till_procs) and not any(pending)

    def wait_catalog(self, within: float = 120.0) -> None:
        """Wait until ``caught_up``; on time-out fail with what each server says."""
        deadline = time.monotonic() + within
        while not self.caught_up():
            if time.monotonic() > deadline:
                seen = {}
                for p in self.server_procs:
                    st = self.status(p.url)
                    seen[p.url] = {k: st.get(k) for k in ("import", "degraded")}
                left = sorted(f.name for f in (self.exchange / "import").glob("*.xml"))
                raise AssertionError(
                    f"catalog not on every till within {within:g} s; files left {left}; "
                    f"leases {self.lease_holders()}; servers {json.dumps(seen)[:3000]}"
                )
            gevent.sleep(0.5)

    def base_catalog(self) -> dict[str, str]:
        """The example catalog, its store files also for store 18."""
        out: dict[str, str] = {}
        for f in sorted(EXAMPLES.glob("*.xml")):
            text = f.read_text(encoding="utf-8")
            out[f.name] = text
            if "[17]" in f.name and f.name.startswith("store"):
                out[f.name.replace("[17]", "[18]")] = text.replace('storeId="17"', 'storeId="18"')
        return out

    # -- processes ---------------------------------------------------------------------

    def start(self) -> None:
        self.write()
        self.register()
        for p in self.server_procs:
            p.start(timeout=120)
        self.write_tills()
        for p in self.till_procs.values():
            p.proc = None
        for p in self.till_procs.values():
            p.start(timeout=120)

    def stop(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        for p in [*self.till_procs.values(), *self.server_procs]:
            if p.proc is None or p.proc.poll() is not None:
                continue
            try:
                p.proc.send_signal(signal.SIGCONT)
                p.terminate(timeout=40)
            except Exception:  # noqa: BLE001 - stop the rest anyway
                p.proc.kill()

    def restart_server(self, i: int) -> None:
        """Start server ``i`` again on its port (what ukm up or systemd does)."""
        p = self.server_procs[i]
        cfg = p.config.read_text()
        port = int(p.url.rsplit(":", 1)[1])
        p.config.write_text(re.sub(r"port = 0\b", f"port = {port}", cfg, count=1))
        for _ in range(40):
            try:
                p.start(timeout=120)
                return
            except RuntimeError:
                gevent.sleep(0.5)  # the old socket may linger a moment
        raise RuntimeError(f"server-{i + 1} did not start again: {p.output()[-2000:]}")

    def server_db(self) -> sa.Engine:
        """The shared database (one engine, made on first use)."""
        if self._engine is None:
            self._engine = sa.create_engine(self.db_url, pool_size=2)
        return self._engine

    def status(self, url: str) -> dict[str, Any]:
        r = HTTP.request("GET", url + "/status", timeout=urllib3.Timeout(connect=2, read=10))
        body: dict[str, Any] = json.loads(r.data)
        return body

    def lease_holders(self) -> dict[str, str]:
        """resource → holder, read from the database."""
        with self.server_db().connect() as c:
            rows = c.execute(sa.text("SELECT resource, holder, expires_at_ms FROM ukm_lease"))
            now = time.time() * 1000
            return {r[0]: r[1] for r in rows if r[2] > now}


@dataclass
class Cashier:
    """Sells at one till through its API until told to stop; remembers every receipt
    closed and the slowest answer of the till."""

    till: str
    client: TillClient
    closed: list[tuple[int, int]] = field(default_factory=list)
    """(shift_num, number) of every receipt the till closed."""
    errors: list[str] = field(default_factory=list)
    slowest: float = 0.0
    stop: bool = False

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        t0 = time.monotonic()
        try:
            return self.client.call(method, path, body)
        finally:
            self.slowest = max(self.slowest, time.monotonic() - t0)

    def prepare(self, store: str, within: float = 90.0) -> None:
        """Log in (once the store's cashiers have reached the till) and open a shift."""
        code, password = CASHIER[store]
        deadline = time.monotonic() + within
        while True:
            try:
                self.client.post("/login", {"code": code, "password": password})
                break
            except TillRefused:
                if time.monotonic() > deadline:
                    raise
                gevent.sleep(0.5)
        try:
            self.call("POST", "/shift/open")
        except TillRefused as exc:
            if "open" not in exc.code:
                raise

    def run(self, pause: float) -> None:
        i = 0
        while not self.stop:
            try:
                self.call("POST", "/receipt/lines", {"barcode": BARCODES[i % len(BARCODES)]})
                due = self.call("GET", "/receipt")["receipt"]["totals"]["due"]
                answer = self.call("POST", "/receipt/payments", {"type": "cash", "amount": due})
                done = answer.get("closed") or {}
                self.closed.append((int(done["shift_num"]), int(done["number"])))
            except Exception as exc:  # noqa: BLE001 - recorded: the test fails on any
                self.errors.append(f"{type(exc).__name__}: {exc}")
                gevent.sleep(0.5)
            i += 1
            gevent.sleep(pause)


def cashiers(cluster: Cluster) -> list[Cashier]:
    out = []
    for till, p in cluster.till_procs.items():
        c = Cashier(till, TillClient(till, p.url, HTTP))
        c.prepare(till.split("-")[1])
        out.append(c)
    return out


def closed_counts(sellers: list[Cashier]) -> list[int]:
    """How many receipts each cashier has closed so far."""
    return [len(c.closed) for c in sellers]


def all_sell_again(sellers: list[Cashier], what: str, since: list[int]) -> None:
    """Wait until every cashier has closed a receipt since ``since`` (``closed_counts()`` then):
    the tills go on selling, however slowly a loaded machine lets them."""
    expect(
        lambda: all(len(c.closed) > n for c, n in zip(sellers, since, strict=True)),
        within=90,
        what=f"every till sells {what}",
    )


def copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, dirs_exist_ok=True)
