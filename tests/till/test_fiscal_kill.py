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


def _config(tmp_path, url, register):
    return write_config(
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


def test_a_kill_after_registration_completes_the_receipt_once(tmp_path, make_db_url):
    url = make_db_url(NODE)
    _prepare_database(url)
    with FiscalRegisterEmulator(state_path=tmp_path / "register.json") as register:
        config = _config(tmp_path, url, register)
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


def _shift_rows(url):
    from sqlalchemy import select

    from ukm_actors.nodes.till.sale.tables import CashMoveRow, FiscalRow, PrintJobRow

    db = Database(url)
    with db.read() as s:
        moves = [(m.direction, m.amount) for m in s.scalars(select(CashMoveRow))]
        requests = [(r.kind, r.state) for r in s.scalars(select(FiscalRow))]
        jobs = [j.kind for j in s.scalars(select(PrintJobRow))]
    db.dispose()
    return moves, requests, jobs


def test_a_kill_after_the_register_did_a_cash_out_or_an_x_report_finishes_them_once(
    tmp_path, make_db_url
):
    url = make_db_url(NODE)
    _prepare_database(url)
    with FiscalRegisterEmulator(state_path=tmp_path / "register.json") as register:
        config = _config(tmp_path, url, register)
        proc = NodeProcess("till", config, tmp_path / "ready.json").start()
        try:
            till = TillClient(proc.url)
            till.login()
            till.post("/shift/open")
            till.post("/cash/in", {"amount": 50000})
            cash = register.state.cash
            for path, body in (
                ("/shift/x-report?print=1", None),
                ("/cash/out", {"amount": 20000}),
            ):
                register.control({"hold": True})
                method = "GET" if body is None else "POST"
                gevent.spawn(till.call, method, path, body)
                assert register.wait_held(timeout=10)  # done on the register, the till not told
                proc.kill()
                proc = NodeProcess("till", config, tmp_path / "ready.json").start()
                till = TillClient(proc.url)
                till.login()
                register.release()
                expect(
                    lambda: all(state != "pending" for _kind, state in _shift_rows(url)[1]),
                    within=20,
                    what="settled after the restart",
                )
            moves, requests, jobs = _shift_rows(url)
            assert moves == [("in", 50000), ("out", 20000)], "recorded once"
            assert register.state.cash == cash - 20000, "taken out of the register once"
            assert ("reportX", "done") in requests and ("cashOut", "done") in requests
            assert jobs.count("x-report") == 1 and jobs.count("cash-out") == 1
            assert _outbox_types(url).count("cash.move") == 2
            assert till.get("/shift")["shift"]["totals"]["cash_out"] == 20000
        finally:
            proc.kill()
