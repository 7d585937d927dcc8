"""Power loss mid-receipt: a real till process is killed (SIGKILL) and started again."""

from pathlib import Path

import pytest

from tests.nodes.helpers import NodeProcess, write_config
from tests.till.helpers import (
    BREAD,
    MILK,
    STORE,
    SUPERVISOR,
    TillClient,
    base_records,
    catalog_body,
    weight_barcode,
)
from ukm_actors.bridge.documents import Document
from ukm_actors.bridge.inbox import Appliers, apply
from ukm_actors.codecs import catalogdoc
from ukm_actors.db import Database
from ukm_actors.db.migrate import upgrade
from ukm_actors.hw.emulators import BankTerminalEmulator, NoAnswer
from ukm_actors.nodes.till.catalog.apply import CatalogApplier

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

NODE = f"till-{STORE}-1"


def _prepare_database(url: str) -> None:
    """Migrate the till's database and give it a catalog, as the bridge would have."""
    import ukm_actors.nodes.till as till_pkg

    db = Database(url)
    upgrade(db, Path(till_pkg.__file__).parent / "migrations")
    appliers = Appliers()
    applier = CatalogApplier(STORE)
    appliers.register(catalogdoc.FULL, applier.apply_full)
    doc = Document.make(
        catalogdoc.FULL, catalog_body(base_records()), channel=f"server>{NODE}", seq=1
    )
    with db.write() as s:
        apply(s, doc, appliers)
    db.dispose()


def _outbox_types(url: str) -> list[str]:
    from sqlalchemy import select

    from ukm_actors.bridge.models import OutboxEntry

    db = Database(url)
    with db.read() as s:
        types = list(
            s.scalars(
                select(OutboxEntry.doc_type)
                .where(OutboxEntry.channel == f"{NODE}>server")
                .order_by(OutboxEntry.seq)
            )
        )
    db.dispose()
    return types


def _without(receipt, key):
    return {k: v for k, v in receipt.items() if k != key}


def test_a_receipt_survives_a_kill_exactly_as_it_was(tmp_path, make_db_url):
    url = make_db_url(NODE)
    _prepare_database(url)
    with BankTerminalEmulator() as bank:
        config = write_config(
            tmp_path / "till.toml",
            {
                "node": {
                    "role": "till",
                    "id": NODE,
                    "data_dir": str(tmp_path),
                    "ready_file": "ready.json",
                },
                "http": {"host": "127.0.0.1", "port": 0},
                "db": {"url": url},
                "till": {
                    "store": STORE,
                    "number": 1,
                    "devices": {"bank": {"url": bank.url, "check_interval": 0, "pay_timeout": 60}},
                },
            },
        )
        proc = NodeProcess("till", config, tmp_path / "ready.json").start()
        try:
            till = TillClient(proc.url)
            till.login()
            till.post("/shift/open")
            till.scan(MILK)
            till.post("/receipt/lines", {"article": "101", "quantity": 3000})
            till.scan(weight_barcode("123", 412))
            till.call("PUT", "/receipt/lines/2", {"quantity": 4000})
            till.call("DELETE", "/receipt/lines/1", {"supervisor": SUPERVISOR})
            till.scan(BREAD)
            till.post("/receipt/card", {"card": "7770001"})
            till.pay("cash", 10000)
            before = till.receipt()
            assert before["totals"]["due"] == 4 * 4500 + 32960 + 4500 - 10000

            proc.kill()
            proc = NodeProcess("till", config, tmp_path / "ready.json").start()
            till = TillClient(proc.url)
            till.login()
            assert till.receipt() == before

            # Now a card payment is waiting at the PIN pad when the power goes.
            bank.script(NoAnswer())
            import gevent

            gevent.spawn(till.call, "POST", "/receipt/payments", {"type": "card", "amount": 20000})
            assert bank.wait_pending("17-1-1-1", timeout=10)
            during = till.receipt()
            (pending,) = during["unresolved_payments"]
            assert pending["state"] == "pending"
            proc.kill()

            proc = NodeProcess("till", config, tmp_path / "ready.json").start()
            till = TillClient(proc.url)
            till.login()
            after = till.receipt()
            assert _without(after, "unresolved_payments") == _without(during, "unresolved_payments")
            (unknown,) = after["unresolved_payments"]
            assert (unknown["id"], unknown["state"], unknown["amount"]) == (
                pending["id"],
                "unknown",
                20000,
            )
            assert "restarted" in unknown["message"]
            assert bank.charged() == 0
            err = till.fail("POST", "/receipt/payments", {"type": "card", "amount": 20000})[1]
            assert err["code"] == "sale.payment_unresolved"
            till.post(f"/receipt/payments/{unknown['id']}/resolve", {"approved": False})
            closed = till.pay("cash", after["totals"]["due"])["closed"]
            assert closed["state"] == "completed"
        finally:
            proc.kill()
    assert _outbox_types(url) == ["shift.open", "receipt"]
