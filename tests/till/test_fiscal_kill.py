"""A real till process killed (SIGKILL) between the register's answer and the till's commit."""

import gevent
import pytest

from tests.nodes.helpers import NodeProcess, write_config
from tests.till.helpers import MILK, STORE, TillClient
from tests.till.test_power_loss import NODE, _outbox_types, _prepare_database
from ukm_actors.db import Database
from ukm_actors.hw.emulators.fiscal import FiscalRegisterEmulator
from ukm_actors.supervision.testing import expect

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def _receipt_rows(url):
    from sqlalchemy import select

    from ukm_actors.nodes.till.sale.tables import FiscalRow, ReceiptRow

    db = Database(url)
    with db.read() as s:
        receipts = [(r.state, r.fiscal) for r in s.scalars(select(ReceiptRow))]
        requests = [(r.kind, r.state) for r in s.scalars(select(FiscalRow))]
    db.dispose()
    return receipts, requests


def test_a_kill_after_registration_completes_the_receipt_once(tmp_path, make_db_url):
    url = make_db_url(NODE)
    _prepare_database(url)
    with FiscalRegisterEmulator(state_path=tmp_path / "register.json") as register:
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
                    "devices": {"fiscal": {"url": register.url, "timeout": 30, "poll": 0.02}},
                },
            },
        )
        proc = NodeProcess("till", config, tmp_path / "ready.json").start()
        try:
            till = TillClient(proc.url)
            till.login()
            till.post("/shift/open")
            till.scan(MILK)
            register.control({"hold": True})
            gevent.spawn(till.call, "POST", "/receipt/payments", {"type": "cash", "amount": 10000})
            assert register.wait_held(timeout=10)
            assert len(register.receipts()) == 1  # registered; the till has not heard yet
            proc.kill()

            receipts, requests = _receipt_rows(url)
            assert [state for state, _ in receipts] == ["open"]
            assert ("sell", "pending") in requests

            proc = NodeProcess("till", config, tmp_path / "ready.json").start()
            till = TillClient(proc.url)
            till.login()
            assert till.receipt()["totals"]["due"] == 0  # paid, waiting for the register
            register.release()
            expect(lambda: till.receipt() is None, within=20, what="receipt completed")
            receipts, requests = _receipt_rows(url)
            assert [state for state, _ in receipts] == ["completed"]
            assert '"fd": 2' in receipts[0][1]
            assert ("sell", "done") in requests
            assert len(register.receipts()) == 1
            assert _outbox_types(url).count("receipt") == 1
        finally:
            proc.kill()
