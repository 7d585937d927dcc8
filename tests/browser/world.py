"""The console tests' stores, built once per session from real processes.

- ``world``: the cash server with the example catalog (docs/examples/import), employees of
  every role and a till (later the marketing server): the tests that need tills.
- ``big_catalog``: another cash server, no till, with 200,000 generated items loaded through
  the import folder (the bulk path): searching the catalog.

Nodes are OS processes because the session outlives each test (the suite checks that no
actor is left in the test process after a test). Their databases are SQLite files, or
PostgreSQL schemas of their own when ``UKM_TEST_PG_URL`` is set (dropped at the end).
"""

from __future__ import annotations

import json
import shutil
import socket
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.nodes.helpers import NodeProcess, http, write_config
from ukm_actors.codecs.ukm_samples import catalog_items, ean13, write_import_file

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "import"
STORE = "17"
PASSWORD = "console-pass-1"
EMPLOYEES = {"anna.admin": "admin", "max.manager": "manager", "vera.viewer": "viewer"}
FAST = {"retry_initial": 0.05, "retry_maximum": 0.5, "poll_wait": 2.0, "poll_recheck": 0.2}
OFFLINE_AFTER = 4.0
FEED_INTERVAL = 2.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Databases:
    """Session databases: SQLite files under ``folder`` or PostgreSQL schemas."""

    folder: Path
    pg_url: str
    schemas: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        if not self.pg_url:
            return f"sqlite:///{self.folder / (name + '.db')}"
        import sqlalchemy as sa

        schema = f"s_{name.replace('-', '_')}_{uuid.uuid4().hex[:10]}"
        engine = sa.create_engine(self.pg_url)
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        self.schemas.append(schema)
        sep = "&" if "?" in self.pg_url else "?"
        return f"{self.pg_url}{sep}options={quote('-csearch_path=' + schema)}"

    def drop(self) -> None:
        if not self.schemas:
            return
        import sqlalchemy as sa

        engine = sa.create_engine(self.pg_url)
        with engine.begin() as conn:
            for schema in self.schemas:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


class Api:
    """The cash server's admin API with one employee's login (JSON in, JSON out)."""

    def __init__(self, url: str, login: str, password: str = PASSWORD) -> None:
        self.url = url
        status, body = self.call("POST", "/api/v1/login", {"login": login, "password": password})
        assert status == 200, body
        self.headers = {"Authorization": f"Bearer {body['token']}"}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        r = http.request(
            method,
            self.url + path,
            body=None if body is None else json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Accept-Language": "en",
                **getattr(self, "headers", {}),
            },
        )
        return r.status, json.loads(r.data) if r.data else None

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.call(method, path, body)
        assert status < 300, (method, path, status, answer)
        return answer


def node(tmp: Path, role: str, node_id: str, db_url: str | None, **sections: Any) -> NodeProcess:
    data = tmp / node_id
    data.mkdir(exist_ok=True)
    base: dict[str, Any] = {
        "node": {"role": role, "id": node_id, "data_dir": str(data), "ready_file": "ready.json"},
        "http": {"host": "127.0.0.1", "port": sections.pop("port", 0)},
        "log": {"level": "INFO", "file": "node.log"},
    }
    if db_url:
        base["db"] = {"url": db_url}
    cfg = write_config(tmp / f"{node_id}.toml", {**base, **sections})
    return NodeProcess(role, cfg, data / "ready.json")


def wait(check: Any, within: float, what: str) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:g} s: {what}")
        time.sleep(0.2)


@dataclass
class World:
    tmp: Path
    dbs: Databases
    server: NodeProcess
    inbox: Path
    tills: dict[str, NodeProcess] = field(default_factory=dict)
    admin: Api | None = None
    marketing: NodeProcess | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def api(self, login: str = "anna.admin") -> Api:
        return Api(self.url, login)

    def start_till(self, number: int, secret: str = "", **till: Any) -> NodeProcess:
        """Start till ``number`` of the store as a process: registered here (admin API), or
        already registered with its bridge ``secret``."""
        assert self.admin is not None
        node_id = f"till-{STORE}-{number}"
        reg = {"secret": secret}
        if not secret:
            body = {"store": STORE, "number": number}
            status, reg = self.admin.call("POST", "/api/v1/tills", body)
            assert status in (200, 201), reg
        printer = self.tmp / f"{node_id}-printer.bin"
        proc = node(
            self.tmp,
            "till",
            node_id,
            self.dbs.url(node_id),
            bridge={**FAST, "server_url": self.url, "secret": reg["secret"]},
            till={
                "store": STORE,
                "number": number,
                "devices": {"printer": {"kind": "file", "path": str(printer)}},
                **({"marketing_url": self.marketing.url} if self.marketing else {}),
                **till,
            },
        ).start()
        self.tills[node_id] = proc
        return proc

    def till_items(self, node_id: str) -> int:
        r = http.request("GET", self.tills[node_id].url + "/status")
        return int(json.loads(r.data).get("catalog", {}).get("items", 0) or 0)

    def stop(self) -> None:
        http.clear()
        for proc in self.tills.values():
            if proc.proc is not None and proc.proc.poll() is None:
                proc.terminate()
        if self.marketing is not None:
            self.marketing.terminate()
        self.server.terminate()
        self.dbs.drop()


def start_marketing(world: World) -> NodeProcess:
    """The marketing server, registered with the cash server; employees log in through it."""
    from ukm_actors.bridge.peers import register_peer
    from ukm_actors.db import Database

    db = Database(_db_url(world.server))
    try:
        with db.write() as s:
            secret = register_peer(s, "marketing", "marketing")
    finally:
        db.dispose()
    world.marketing = node(
        world.tmp,
        "marketing",
        "marketing",
        world.dbs.url("marketing"),
        bridge={**FAST, "server_url": world.url, "secret": secret},
        marketing={"feed_interval": FEED_INTERVAL},
    ).start()
    return world.marketing


def build(tmp: Path, pg_url: str, items: int = 0, tills: int = 1, marketing: bool = True) -> World:
    """The cash server with the example catalog, ``items`` generated items, employees and
    ``tills`` tills of the store (each with the catalog)."""
    dbs = Databases(tmp, pg_url)
    inbox = tmp / "import"
    inbox.mkdir()
    server = node(
        tmp,
        "server",
        "server",
        dbs.url("server"),
        server={
            "import_dir": str(inbox),
            "export_dir": str(tmp / "export"),
            "import_poll": 0.1,
            "import_settle": 0.0,
            "offline_after": OFFLINE_AFTER,
            "monitor_interval": 0.5,
            "host_sample_interval": 1.0,
        },
        marketing={"feed_interval": FEED_INTERVAL},
        bridge={**FAST, "secret": "server-secret"},
    ).start()
    world = World(tmp, dbs, server, inbox)
    try:
        _employees(server, dbs)
        world.admin = world.api()
        for f in sorted(EXAMPLES.glob("*.xml")):
            part = inbox / f".{f.name}.part"
            shutil.copyfile(f, part)
            part.rename(inbox / f.name)
        if items:
            write_import_file(inbox, "updateItems", _bulk(items), "I", number=90)
        wait(lambda: not list(inbox.glob("*.xml")), 600, "the import folder emptied")
        if marketing:
            start_marketing(world)
        for number in range(1, tills + 1):
            world.start_till(number)
            node_id = f"till-{STORE}-{number}"
            wait(lambda n=node_id: world.till_items(n) > 0, 300, f"{node_id} got the catalog")
    except BaseException:
        world.stop()
        raise
    return world


def bulk_barcode(i: int) -> str:
    """The barcode of generated item ``i`` (prefix 48: apart from the examples and scale labels)."""
    return ean13(2 * i, "48")


def _bulk(n: int) -> Any:
    """Generated items (articles ``9000001``..) with barcodes apart from the example catalog's."""
    for i, item in enumerate(catalog_items(n, seed=7), start=1):
        codes = [bulk_barcode(i)] + [ean13(2 * i + 1, "48")] * (len(item.barcodes) - 1)
        barcodes = tuple(replace(b, barcode=c) for b, c in zip(item.barcodes, codes, strict=True))
        yield replace(item, article=f"9{item.article}", barcodes=barcodes)


def _employees(server: NodeProcess, dbs: Databases) -> None:
    """Employees of each role, written through the admin CLI's own path (``ukm admin``)."""
    from ukm_actors.db import Database
    from ukm_actors.nodes.server.admin import auth

    db = Database(_db_url(server))
    try:
        with db.write() as s:
            for login, role in EMPLOYEES.items():
                auth.create_employee(s, login, PASSWORD, role, login.split(".")[0].title())
    finally:
        db.dispose()


def _db_url(proc: NodeProcess) -> str:
    import tomllib

    return str(tomllib.loads(proc.config.read_text())["db"]["url"])
