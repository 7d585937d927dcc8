"""A till and the cash server in separate network namespaces, the link cut three times
in the middle of a catalog download while a cashier sells.

Both are real nodes (``ukm node server`` and ``ukm node till``, each on its own
SQLite file, started with ``ip netns exec``), configured and registered the way
``ukm up`` does it (configuration files, ``register_local_install``). Their
veth link is shaped like a store's line (``tests/bridge/netns.py``: netem
2 Mbit/s, 80 ms, 2 % loss; where the kernel has no netem, tbf at 2 Mbit/s and
nftables dropping 2 %; the test prints which). The test process reaches the
till's cashier API over a veth pair of its own into the till's namespace.

1. The server imports the example catalog (store 17, its cashiers and
   prices); the cashier logs in, opens a shift and sells from then on.
2. The server imports a generated ``updateItems`` file (the codecs' sample
   items under new articles and barcodes, each name with a random
   supplier's code so that zstd cannot shrink it to nothing): one catalog
   document of about 7 MB compressed, about half a minute on the line.
3. At a fifth, two fifths and three fifths of the download the cable is
   pulled (``ip link set … down``) for longer than the till's read timeout,
   so the transfer really breaks.

Then: the download completed, every attempt continued where the previous one
broke (the byte offsets in the till's log), the catalog was applied once (the
items are in the till's tables, one catalog revision per document, one
"applied" line), and every receipt the cashier closed meanwhile is in the
server's database exactly once.

Skipped, saying why, where namespaces cannot be made (not root, no ``ip``).
"""

import dataclasses
import os
import random
import re
import shutil
import time
from pathlib import Path

import gevent
import pytest
import sqlalchemy as sa

from tests.bridge import netns
from tests.cluster.procs import HTTP, Cashier
from tests.nodes.helpers import NodeProcess, write_config
from ukm_actors.codecs.ukm_records import BarcodeRecord
from ukm_actors.codecs.ukm_samples import catalog_items, ean13, write_import_file
from ukm_actors.commands.demo_day import TillClient
from ukm_actors.nodes.server.bootstrap import register_local_install
from ukm_actors.supervision.testing import expect

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples" / "import"
TILL = "till-17-1"
CHANNEL = "server>till-17-1"
SECRET = "degraded-network-secret"
ITEMS = 30_000
"""Generated items: about 7 MB compressed, half a minute at 2 Mbit/s."""
CUTS = 3
CUT_S = 7.0
"""How long the cable stays pulled: longer than the till's read timeout (``transfer_timeout``)."""
BRIDGE = {
    "connect_timeout": 2.0,
    "transfer_timeout": 4.0,
    "retry_initial": 0.2,
    "retry_maximum": 1.0,
    "poll_wait": 5.0,
    "poll_recheck": 1.0,
}


@pytest.fixture
def link():
    if os.environ.get("UKM_TEST_PG_URL"):
        pytest.skip("both nodes use SQLite here (a namespace has no PostgreSQL): run on SQLite")
    why = netns.unavailable()
    if why is not None:
        pytest.skip(f"no network namespaces here: {why}")
    made = netns.Link.create()
    try:
        made.shape()
        made.reach_till()
        print("link shaping:", "; ".join(made.shaping))
        yield made
    finally:
        made.close()


def big_catalog(folder: Path) -> Path:
    """``updateItems_[14]_[I]``: the sample generator's items under articles ``5…`` and
    barcodes ``48…`` (clear of the example catalog's), in its groups, each name with
    a random 200-byte supplier's code."""
    rnd = random.Random(18)
    groups = ("41", "42", "43", "71", "72")

    def items():
        for i, item in enumerate(catalog_items(ITEMS), start=1):
            code = rnd.getrandbits(1600).to_bytes(200, "big").hex()
            yield dataclasses.replace(
                item,
                article=f"5{i:06d}",
                name=f"{item.name}, поставщик {code}",
                group_id=groups[i % len(groups)],
                barcodes=tuple(
                    BarcodeRecord(ean13(2 * i + k, prefix="48"), b.quantity)
                    for k, b in enumerate(item.barcodes)
                ),
            )

    staging = folder.parent / "staging"
    staging.mkdir(exist_ok=True)
    made = write_import_file(staging, "updateItems", items(), "I", number=14)
    return made.rename(folder / made.name)  # whole, as a trade system should drop it


def import_examples(folder: Path) -> None:
    for f in EXAMPLES.glob("*.xml"):
        tmp = folder / f".{f.name}.part"
        shutil.copyfile(f, tmp)
        tmp.rename(folder / f.name)


def start_nodes(
    root: Path, link: netns.Link, started: list[NodeProcess]
) -> tuple[NodeProcess, NodeProcess]:
    """The server in its namespace, ``till-17-1`` registered, then the till in its own
    (each put in ``started`` as it starts, for the caller to stop)."""
    exchange = root / "exchange"
    for sub in ("import", "export"):
        (exchange / sub).mkdir(parents=True)
    sd, td = root / "server", root / TILL
    sd.mkdir()
    td.mkdir()
    server_cfg = write_config(
        sd / "server.toml",
        {
            "node": {"role": "server", "id": "server", "data_dir": str(sd), "ready_file": "ready"},
            "http": {"host": link.server_addr, "port": 0},
            "db": {"url": f"sqlite:///{sd / 'server.db'}"},
            "bridge": {"secret": SECRET, **BRIDGE},
            "server": {
                "import_dir": str(exchange / "import"),
                "export_dir": str(exchange / "export"),
                "import_poll": 0.5,
                "import_settle": 0.3,
                # one catalog document: the three cuts fall in one download
                "catalog_doc_records": 2 * ITEMS,
            },
            "log": {"level": "INFO"},
        },
    )
    register_local_install(
        server_cfg, [(TILL, "till", SECRET + "-till", {"store": "17", "number": 1})]
    )
    server = NodeProcess("server", server_cfg, sd / "ready")
    server.prefix = link.exec_prefix(link.server_ns)
    started.append(server)
    server.start(timeout=120)
    port = server.url.rsplit(":", 1)[1]
    till_cfg = write_config(
        td / "till.toml",
        {
            "node": {"role": "till", "id": TILL, "data_dir": str(td), "ready_file": "ready"},
            "http": {"host": "0.0.0.0", "port": 0},
            "db": {"url": f"sqlite:///{td / 'till.db'}"},
            "bridge": {
                "server_url": f"http://{link.server_addr}:{port}",
                "secret": SECRET + "-till",
                **BRIDGE,
            },
            "till": {
                "store": "17",
                "number": 1,
                "devices": {"printer": {"kind": "file", "path": str(td / "printer.bin")}},
            },
            "log": {"level": "INFO"},
        },
    )
    till = NodeProcess("till", till_cfg, td / "ready")
    till.prefix = link.exec_prefix(link.till_ns)
    started.append(till)
    till.start(timeout=120)
    return server, till


def one(engine: sa.Engine, sql: str, **params: object) -> sa.Row:
    with engine.connect() as c:
        return c.execute(sa.text(sql), params).one()


def delivered(server_db: sa.Engine) -> bool:
    """Every catalog document of the till's channel acknowledged (applied there)."""
    seq, acked = one(
        server_db, "SELECT last_seq, last_acked FROM bridge_channel WHERE channel = :c", c=CHANNEL
    )
    return bool(seq) and seq == acked


def big_document(server_db: sa.Engine) -> tuple[int, int, int]:
    """(seq, bytes, compressed bytes) of the generated catalog's document."""
    return tuple(
        one(
            server_db,
            "SELECT o.seq, o.length, v.length FROM bridge_outbox o JOIN bridge_blob_variant v "
            "ON v.sha256 = o.sha256 AND v.encoding = 'zstd' "
            "WHERE o.channel = :c AND o.length > 1000000",
            c=CHANNEL,
        )
    )


def pull_the_cable(link: netns.Link, part: Path, packed: int, cashier: Cashier) -> int:
    """Cut the link ``CUTS`` times as the download passes a fifth, two fifths …
    of ``packed`` bytes; returns how many receipts the cashier closed meanwhile."""
    sold = 0
    for k in range(CUTS):
        mark = packed * (k + 1) / (CUTS + 2)
        expect(lambda m=mark: part.stat().st_size >= m, within=120, every=0.1, what="bytes")
        before = len(cashier.closed)
        link.down()
        gevent.sleep(CUT_S)
        link.up()
        sold += len(cashier.closed) - before
    return sold


def resumed_where_it_broke(log: str, seq: int) -> list[int]:
    """The offsets document ``seq`` resumed at, each where an attempt broke."""
    breaks = [int(b) for b in re.findall(rf"document {seq} broke at byte (\d+) of", log)]
    resumes = [int(r) for r in re.findall(rf"document {seq} resumes at byte (\d+) of", log)]
    print(f"broke at {breaks}, resumed at {resumes}")
    assert len(resumes) >= CUTS and resumes == sorted(resumes)
    assert breaks == resumes[: len(breaks)], "every attempt continues where one stopped"
    return resumes


def applied_once(server_db: sa.Engine, till_db: sa.Engine) -> None:
    """The generated items in the till's tables, one catalog revision per document."""
    docs = one(server_db, "SELECT count(*) FROM bridge_outbox WHERE channel = :c", c=CHANNEL)[0]
    revision, items = one(till_db, "SELECT revision, items FROM till_cat_meta")
    new = one(till_db, "SELECT count(*) FROM till_cat_item WHERE article LIKE '5%'")[0]
    assert (new, revision) == (ITEMS, docs) and items >= ITEMS


def server_receipts(server_db: sa.Engine) -> list[tuple[int, int]]:
    """(shift, number) of every receipt of till 17/1 in the server's database."""
    with server_db.connect() as c:
        rows = c.execute(
            sa.text(
                "SELECT shift_num, number FROM sales_receipt "
                "WHERE store = '17' AND till = 1 ORDER BY shift_num, number"
            )
        )
        return [(int(r[0]), int(r[1])) for r in rows]


def test_a_catalog_download_cut_three_times_while_the_till_sells(tmp_path, link):
    nodes: list[NodeProcess] = []
    server_db = sa.create_engine(f"sqlite:///{tmp_path / 'server' / 'server.db'}")
    till_db = sa.create_engine(f"sqlite:///{tmp_path / TILL / 'till.db'}")
    cashier = selling = None
    try:
        _server, till = start_nodes(tmp_path, link, nodes)
        till_url = f"http://{link.till_api_addr}:{till.url.rsplit(':', 1)[1]}"
        cashier = Cashier(TILL, TillClient(TILL, till_url, HTTP))
        folder = tmp_path / "exchange" / "import"
        import_examples(folder)
        expect(lambda: delivered(server_db), within=120, every=0.5, what="the example catalog")
        cashier.prepare("17")
        selling = gevent.spawn(cashier.run, 0.3)

        started = time.monotonic()
        big_catalog(folder)
        seq, length, packed = expect(
            lambda: big_document(server_db), within=120, every=0.5, what="the catalog published"
        )
        print(
            f"{ITEMS} items imported in {time.monotonic() - started:.0f} s: document {seq}, "
            f"{length} bytes, {packed} compressed"
        )
        part = tmp_path / TILL / "spool" / f"server__{TILL}" / f"{seq}.part"
        sold_offline = pull_the_cable(link, part, packed, cashier)
        done, applied = f"{CHANNEL}: document {seq} complete", f"catalog.delta #{seq} applied"
        expect(lambda: done in till.output(), within=180, every=0.5, what="the download")
        print(f"downloaded {time.monotonic() - started:.0f} s after the file was dropped")
        expect(lambda: applied in till.output(), within=120, every=0.5, what="the catalog applied")
        cashier.stop = True
        selling.join(timeout=30)
        closed = sorted(cashier.closed)
        expect(lambda: len(server_receipts(server_db)) >= len(closed), within=120, every=0.5)
        print(f"{len(closed)} receipts closed, {sold_offline} of them while the cable was out")

        assert cashier.errors == []
        log = till.output()
        resumes = resumed_where_it_broke(log, seq)
        assert log.count(done) == 1 and log.count(applied) == 1
        applied_once(server_db, till_db)
        assert server_receipts(server_db) == closed and sold_offline > 0, "each once"

        status = HTTP.request("GET", f"{till_url}/status").json()
        pull = next(x for x in status["bridge"]["links"] if x["name"] == "pull.server")
        t = pull["transfer"]
        assert (t["seq"], t["coding"], t["finished"]) == (seq, "zstd", True)
        # the document's header (a small zstd frame) travels ahead of the stored variant
        assert packed < t["total"] == t["done"] < packed + 1024
        assert t["resumes"] == len(resumes) and pull["wire_bytes"] < length / 2
    finally:
        if cashier is not None:
            cashier.stop = True
        if selling is not None:
            selling.kill()
        for p in reversed(nodes):
            if p.proc is not None and p.proc.poll() is None:
                p.terminate(timeout=40)
        server_db.dispose()
        till_db.dispose()
