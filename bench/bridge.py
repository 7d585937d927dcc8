"""Benchmark of the HTTP mailbox bridge, with a bare bottle+gevent endpoint as baseline.

    .venv/bin/python bench/bridge.py                 # SQLite server database
    .venv/bin/python bench/bridge.py --db postgresql+psycopg://postgres@127.0.0.1/test

Measures, on loopback, with the server in its own process:

1. ask round trip (keep-alive, TCP_NODELAY both ends): p50 / p99 of a signed
   ``test.echo`` ask to a cash server node (authentication, nonce check, the
   ask registry, JSON both ways), against an unsigned POST to a bare bottle
   route on the same gevent WSGI server that echoes the JSON;
2. documents/s from 50 simulated tills to one server: each till POSTs its
   own channel in batches (signed, applied by the test applier, one row per
   document, acknowledged), all tills at once; against the same batches
   POSTed to a bare route that only splits them into documents.

The ratios are node / bare: what the bridge costs over the HTTP stack itself.
"""

from __future__ import annotations

from ukm_actors.runtime import patch

patch()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import urllib3  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

from ukm_actors.bridge.client import SOCKET_OPTIONS, BridgeClient  # noqa: E402
from ukm_actors.bridge.documents import Document  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


# -- the bare endpoint (its own process) ------------------------------------------------------


def serve_bare(port_file: Path) -> None:
    import bottle

    from ukm_actors.bridge.documents import split_documents
    from ukm_actors.bridge.httpserver import NoDelayWSGIServer

    app = bottle.Bottle()

    @app.post("/ask")  # type: ignore[misc]
    def ask() -> bytes:
        message = json.loads(bottle.request.body.read())
        bottle.response.content_type = "application/json"
        return json.dumps({"ok": True, "reply": {"message": message}}).encode()

    @app.post("/inbox")  # type: ignore[misc]
    def inbox() -> bytes:
        n = bottle.request.content_length
        docs = split_documents(bottle.request.environ["wsgi.input"].read(n))
        bottle.response.content_type = "application/json"
        return json.dumps({"acked": docs[-1].seq}).encode()

    server = NoDelayWSGIServer(("127.0.0.1", 0), app, log=None)
    server.init_socket()
    port_file.write_text(str(server.server_port))
    server.serve_forever()


# -- the cash server node (its own process) -----------------------------------------------------


def write_server(tmp: Path, db_url: str, tills: int) -> tuple[Path, Path]:
    """Migrate the server's database, register the tills, write its configuration."""
    import ukm_actors.nodes.server as server_pkg
    from ukm_actors.bridge.peers import register_peer
    from ukm_actors.commands.up_plan import render_toml
    from ukm_actors.db import Database
    from ukm_actors.db.migrate import upgrade

    db = Database(db_url)
    upgrade(db, Path(server_pkg.__file__ or "").parent / "migrations")
    with db.write() as session:
        for i in range(1, tills + 1):
            register_peer(session, f"till-1-{i}", "till", store="1", secret=f"secret-{i}")
    db.dispose()
    ready = tmp / "ready.json"
    config = tmp / "server.toml"
    config.write_text(
        render_toml(
            {
                "node": {
                    "role": "server",
                    "id": "server",
                    "data_dir": str(tmp),
                    "ready_file": str(ready),
                },
                "http": {"host": "127.0.0.1", "port": 0},
                "db": {"url": db_url},
                "log": {"level": "WARNING"},
                "bridge": {"secret": "bench-server-secret"},
            }
        )
    )
    return config, ready


def wait_file(path: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{proc.args} did not start")
        gevent.sleep(0.05)
    return path.read_text()


# -- measurements -------------------------------------------------------------------------------


def asks(node_url: str, bare_url: str, n: int) -> tuple[list[float], list[float]]:
    """``n`` asks to each, interleaved (node, bare, node, ...) so both see the same load."""
    client = BridgeClient("till-1-1", lambda: "secret-1")
    client.know(node_url, "server")
    pool = urllib3.PoolManager(maxsize=1, retries=False, socket_options=SOCKET_OPTIONS)
    node: list[float] = []
    bare: list[float] = []
    for i in range(n + 50):
        message = {"q": i, "barcode": "4600000000017"}
        t = time.perf_counter()
        client.ask(node_url, "test.echo", message, 5.0)
        t_node = time.perf_counter() - t
        t = time.perf_counter()
        r = pool.request(
            "POST",
            bare_url + "/ask",
            body=json.dumps(message).encode(),
            headers={"Content-Type": "application/json"},
        )
        json.loads(r.data)
        t_bare = time.perf_counter() - t
        if i >= 50:
            node.append(t_node)
            bare.append(t_bare)
    return node, bare


def batches(till: int, first: int, docs: int, per_batch: int) -> list[bytes]:
    channel = f"till-1-{till}>server"
    out = []
    for start in range(first, first + docs, per_batch):
        out.append(
            b"".join(
                Document.make(
                    "test.row",
                    json.dumps({"receipt": s, "till": till, "total": 12345}).encode(),
                    channel=channel,
                    seq=s,
                ).render()
                for s in range(start, min(first + docs - 1, start + per_batch - 1) + 1)
            )
        )
    return out


def push_node(url: str, tills: int, work: dict[int, list[bytes]]) -> float:
    def one(i: int) -> None:
        client = BridgeClient(f"till-1-{i}", lambda: f"secret-{i}", transfer_timeout=120)
        for body in work[i]:
            r = client.request("POST", url, "/mailbox/v1/inbox", peer="server", body=body)
            if r.status != 200:
                raise RuntimeError(f"till {i}: HTTP {r.status} {r.data[:200]!r}")

    t = time.perf_counter()
    gevent.joinall([gevent.spawn(one, i) for i in range(1, tills + 1)], raise_error=True)
    return time.perf_counter() - t


def push_bare(url: str, tills: int, work: dict[int, list[bytes]]) -> float:
    def one(i: int) -> None:
        pool = urllib3.PoolManager(
            maxsize=1, retries=False, socket_options=SOCKET_OPTIONS, timeout=120
        )
        for body in work[i]:
            pool.request("POST", url + "/inbox", body=body)

    t = time.perf_counter()
    gevent.joinall([gevent.spawn(one, i) for i in range(1, tills + 1)], raise_error=True)
    return time.perf_counter() - t


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--db", default="", help="server database URL (default: a SQLite file)")
    p.add_argument("--asks", type=int, default=2000)
    p.add_argument("--tills", type=int, default=50)
    p.add_argument("--docs", type=int, default=400, help="documents per till")
    p.add_argument("--batch", type=int, default=100, help="documents per POST")
    p.add_argument("--bare", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.bare:
        serve_bare(args.bare)
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="ukm-bench-bridge-"))
    db_url = args.db or f"sqlite:///{tmp}/server.db"
    if db_url.startswith("postgresql"):
        db_url = _fresh_schema(db_url)
    config, ready = write_server(tmp, db_url, args.tills)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    node = subprocess.Popen(
        [sys.executable, "-m", "ukm_actors.bridge.testnode", "--config", str(config)], env=env
    )
    bare_port = tmp / "bare.port"
    bare = subprocess.Popen([sys.executable, __file__, "--bare", str(bare_port)], env=env)
    try:
        node_url = json.loads(wait_file(ready, node))["url"]
        bare_url = f"http://127.0.0.1:{wait_file(bare_port, bare)}"
        node_ask, bare_ask = asks(node_url, bare_url, args.asks)
        total = args.tills * args.docs
        half = args.docs // 2
        node_s = bare_s = 0.0
        for first in (1, 1 + half):  # two rounds, alternating, so both see the same load
            work = {i: batches(i, first, half, args.batch) for i in range(1, args.tills + 1)}
            bare_s += push_bare(bare_url, args.tills, work)
            node_s += push_node(node_url, args.tills, work)
    finally:
        node.terminate()
        bare.terminate()
        node.wait(30)
        bare.wait(30)

    def ms(v: float) -> str:
        return f"{v * 1000:.2f} ms"

    rows = [
        (
            "ask round trip p50",
            ms(percentile(node_ask, 50)),
            ms(percentile(bare_ask, 50)),
            percentile(node_ask, 50) / percentile(bare_ask, 50),
        ),
        (
            "ask round trip p99",
            ms(percentile(node_ask, 99)),
            ms(percentile(bare_ask, 99)),
            percentile(node_ask, 99) / percentile(bare_ask, 99),
        ),
        (
            f"documents/s, {args.tills} tills x {args.docs}, {args.batch}/POST",
            f"{total / node_s:,.0f}",
            f"{total / bare_s:,.0f}",
            (total / node_s) / (total / bare_s),
        ),
    ]
    print(
        f"\nbridge benchmark: server database {db_url.split('?')[0].split('://')[0]}, "
        f"{args.asks} asks, {total} documents, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    print(f"{'measure':<42} {'bridge node':>14} {'bare bottle':>14} {'ratio':>7}")
    for name, a, b, ratio in rows:
        print(f"{name:<42} {a:>14} {b:>14} {ratio:>7.2f}")
    return 0


def _fresh_schema(base: str) -> str:
    import uuid
    from urllib.parse import quote

    import sqlalchemy as sa

    schema = f"bench_bridge_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote('-csearch_path=' + schema)}"


if __name__ == "__main__":
    sys.exit(main())
