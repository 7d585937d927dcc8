"""Price checks end to end: a cash server, two till processes, the price-checker module,
a device on TCP; through the real bridge (signed asks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.nodes.helpers import get_json, start_node, write_config
from tests.pricechecker.conftest import Device
from ukm_actors.bridge import outbox
from ukm_actors.bridge.documents import channel_name
from ukm_actors.bridge.peers import register_peer
from ukm_actors.codecs import catalogdoc
from ukm_actors.codecs.catalogdoc import CatalogRecord
from ukm_actors.supervision.testing import expect

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def catalog_for_store_17() -> bytes:
    """A small ``catalog.full``: what the server sends a till of store 17."""
    records = [
        CatalogRecord(
            "put", "store", {"code": "17", "name": "Магазин 17", "timezone": "Europe/Moscow"}
        ),
        CatalogRecord("put", "tax", {"id": "1", "name": "НДС 20%", "rate_bp": 2000}),
        CatalogRecord("put", "taxgroup", {"id": "1", "name": "Основная", "tax_id": "1"}),
        CatalogRecord("put", "group", {"id": "1", "parent_id": None, "name": "Хлеб"}),
        CatalogRecord(
            "put",
            "item",
            {
                "article": "501",
                "name": "Хлеб",
                "measure": "шт",
                "step": 1000,
                "weighted": False,
                "group_id": "1",
                "taxgroup_id": "1",
                "min_price": None,
                "age_limit": None,
                "egais": False,
                "sub_excise": False,
                "barcodes": [["2000000000015", 1000]],
            },
        ),
        CatalogRecord("put", "price", {"article": "501", "price": 4500}),
    ]
    meta = {"op": "meta", "kind": "catalog", "full": True, "store": "17", "items": 1}
    return catalogdoc.encode(meta, records)


class TillProcess:
    def __init__(self, tmp_path, number, server_url, secret, db_url):
        self.node_id = f"till-17-{number}"
        data = tmp_path / self.node_id
        data.mkdir()
        self.config = write_config(
            tmp_path / f"{self.node_id}.toml",
            {
                "node": {
                    "role": "till",
                    "id": self.node_id,
                    "data_dir": str(data),
                    "ready_file": "ready.json",
                },
                "http": {"host": "127.0.0.1", "port": 0},
                "db": {"url": db_url},
                "bridge": {"server_url": server_url, "secret": secret},
                "till": {"store": "17", "number": number},
                "log": {"level": "WARNING"},
            },
        )
        self.ready = data / "ready.json"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.pricechecker.tillproc", str(self.config)],
            stdout=open(tmp_path / f"{self.node_id}.out", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self):
        expect(lambda: self.ready.exists() or self.proc.poll() is not None, within=60)
        assert self.proc.poll() is None, f"{self.node_id} exited"

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def tills_urls(pc):
    _, st = get_json(pc.ctx.url + "/status")
    return {t["node_id"]: t["url"] for t in st["pricechecker"]["tills"]}


def answered(pc):
    _, st = get_json(pc.ctx.url + "/status")
    return {t["node_id"]: t["answered"] for t in st["pricechecker"]["tills"]}


def test_price_checks_fail_over_between_live_tills(tmp_path, make_db_url):
    server = start_node("server", tmp_path, make_db_url("server"))
    tills: list[TillProcess] = []
    pc = None
    try:
        with server.ctx.db.write() as s:
            secrets = {
                nid: register_peer(s, nid, kind, store="17")
                for nid, kind in (
                    ("till-17-1", "till"),
                    ("till-17-2", "till"),
                    ("pricechecker-17", "pricechecker"),
                )
            }
            for n in (1, 2):
                outbox.put(
                    s,
                    channel_name("server", f"till-17-{n}"),
                    catalogdoc.FULL,
                    catalog_for_store_17(),
                )
        tills = [
            TillProcess(
                tmp_path, n, server.ctx.url, secrets[f"till-17-{n}"], make_db_url(f"till-17-{n}")
            )
            for n in (1, 2)
        ]
        for t in tills:
            t.wait_ready()
        pc = start_node(
            "pricechecker",
            tmp_path,
            node={"id": "pricechecker-17"},
            bridge={"server_url": server.ctx.url, "secret": secrets["pricechecker-17"]},
            pricechecker={
                "store": "17",
                "tills_refresh": 0.2,
                "till_deadline": 0.5,
                "dead_for": 2.0,
            },
        )
        expect(
            lambda: (
                len(
                    [
                        t
                        for t in get_json(pc.ctx.url + "/status")[1]["pricechecker"]["tills"]
                        if t["url"]
                    ]
                )
                == 2
            ),
            within=30,
            what="both tills known",
        )
        device = Device(pc.ready_info()["tcp"])
        expected = ["Хлеб", "45.00"]
        for t in tills:  # both tills have their catalog from the server
            expect(
                lambda t=t: pc.ctx.services.bridge.ask(
                    tills_urls(pc)[t.node_id],
                    "prices.lookup",
                    {"barcode": "2000000000015"},
                    peer=t.node_id,
                )["found"],
                within=30,
                what=f"{t.node_id} knows the price",
            )
        assert device.ask("2000000000015") == expected
        assert device.ask("4600000000017") == ["NOT FOUND 4600000000017"]
        for _ in range(6):
            assert device.ask("2000000000015") == expected
        assert all(n > 0 for n in answered(pc).values()), "both tills answer in turn"

        # Till 2 hangs (SIGSTOP): within the deadline, till 1 answers instead.
        tills[1].signal(signal.SIGSTOP)
        for _ in range(4):
            assert device.ask("2000000000015") == expected
        tills[1].signal(signal.SIGCONT)

        # Till 1 killed: the next request is answered by till 2.
        before = answered(pc)["till-17-2"]
        tills[0].signal(signal.SIGKILL)
        tills[0].proc.wait()
        assert device.ask("2000000000015") == expected
        assert answered(pc)["till-17-2"] == before + 1

        # No till on: the "unavailable" text.
        tills[1].signal(signal.SIGKILL)
        tills[1].proc.wait()
        assert device.ask("2000000000015") == ["price check unavailable: no till is running"]
        assert device.ask("4600000000017") == ["price check unavailable: no till is running"]
        device.close()
    finally:
        for t in tills:
            t.stop()
        if pc is not None:
            pc.stop()
        server.stop()
