"""The exporter: documented file names, contents read back, held shift closes, failures."""

import logging
import os
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import PG_URL
from tests.nodes.helpers import get_json, start_node
from tests.server.tills import ScriptedTill, line
from ukm_actors.codecs.tilldocs import CashMoveDoc, PaymentDoc, ShiftOpenDoc
from ukm_actors.codecs.ukm_export import (
    ExportCashBox,
    ExportReceipt,
    ExportShiftClose,
    ExportShiftOpen,
    ReceiptRef,
    parse_export,
)
from ukm_actors.nodes.server.sales.search import receipt_detail
from ukm_actors.nodes.server.sales.tables import SaleExport, SaleReceipt
from ukm_actors.supervision.testing import expect

pytestmark = pytest.mark.timeout(60)


def files(folder):
    return sorted(n for n in os.listdir(folder) if not n.startswith("."))


def read(folder, name):
    return parse_export((folder / name).read_bytes())


def export_rows(node):
    with node.ctx.db.read() as s:
        rows = list(s.scalars(select(SaleExport).order_by(SaleExport.id)))
        s.expunge_all()
        return rows


def test_every_document_gets_its_documented_file_and_reads_back(till, export_dir):
    opened = till.open_shift()
    sale = till.receipt(
        (
            line(1, "100245", 8990, 6000, barcode="4600000000024", discount=5394),
            line(2, "200100", 5000, 1000, barcode=None),
            line(3, "300300", 1000, 1000, voided=True),
        ),
        (PaymentDoc("cash", 40000), PaymentDoc("card", 24546, rrn="403512345678")),
        change=4000,
        card="2775000012345",
    )
    cash = till.cash("out", 20000)
    ret = till.receipt(
        (line(1, "100245", 8990, 1000, barcode="4600000000024"),),
        kind="return",
        original=sale,
    )
    closed = till.close_shift()
    expected = [
        "cashbox_[17]_[3]_[1]_[1]_[1].xml",
        "receipt_[17]_[3]_[1]_[1]_[1].xml",
        "receipt_[17]_[3]_[1]_[2]_[1].xml",
        "shiftOpen_[17]_[3]_[1]_[1].xml",
        "shift_[17]_[3]_[1]_[1].xml",
    ]
    expect(lambda: files(export_dir) == expected, what="five export files")

    got_open = read(export_dir, "shiftOpen_[17]_[3]_[1]_[1].xml")
    assert got_open == ExportShiftOpen(
        store_id="17",
        pos_num=3,
        shift_num=1,
        date_open=datetime.fromisoformat(opened.opened_at),
        cashier_code=104,
        cashier_name="Петрова Анна Сергеевна",
        kkm_shift_number=201,
    )

    got_sale = read(export_dir, "receipt_[17]_[3]_[1]_[1]_[1].xml")
    assert isinstance(got_sale, ExportReceipt)
    assert (got_sale.kind, got_sale.receipt_num, got_sale.total, got_sale.change) == (
        "sale",
        1,
        sale.total,
        4000,
    )
    assert got_sale.date == datetime.fromisoformat(sale.closed_at)
    assert [i.position for i in got_sale.items] == [1, 2], "the voided line is not an item"
    assert [v.position for v in got_sale.voided] == [3], "it is listed as voided"
    first = got_sale.items[0]
    assert (first.article, first.barcode, first.quantity, first.price) == (
        "100245",
        "4600000000024",
        6000,
        8990,
    )
    assert (first.amount, first.discount, first.total) == (53940, 5394, 48546)
    assert got_sale.items[1].barcode is None
    assert [(d.position, d.campaign_id, d.amount) for d in got_sale.discounts] == [
        (1, "9001", 5394)
    ]
    assert [(p.type, p.amount, p.rrn) for p in got_sale.payments] == [
        ("cash", 40000, None),
        ("card", 24546, "403512345678"),
    ]
    assert (got_sale.card, got_sale.kkm_receipt_number, got_sale.cashier_code) == (
        "2775000012345",
        1001,
        104,
    )

    got_ret = read(export_dir, "receipt_[17]_[3]_[1]_[2]_[1].xml")
    assert got_ret.kind == "return"
    assert got_ret.original == ReceiptRef(store_id="17", pos_num=3, shift_num=1, receipt_num=1)

    got_cash = read(export_dir, "cashbox_[17]_[3]_[1]_[1]_[1].xml")
    assert got_cash == ExportCashBox(
        store_id="17",
        pos_num=3,
        shift_num=1,
        doc_num=1,
        direction="out",
        date=datetime.fromisoformat(cash.at),
        amount=20000,
        cashier_code=104,
        cashier_name="Петрова Анна Сергеевна",
    )

    got_close = read(export_dir, "shift_[17]_[3]_[1]_[1].xml")
    assert isinstance(got_close, ExportShiftClose)
    assert got_close.date_close == datetime.fromisoformat(closed.closed_at)
    assert got_close.kkm_shift_number == 201
    assert (got_close.sale_amount, got_close.return_amount) == (sale.total, ret.total)
    assert (got_close.sale_count, got_close.return_count) == (1, 1)
    assert (got_close.cash_in_amount, got_close.cash_out_amount) == (0, 20000)
    assert got_close.receipts == (got_sale, got_ret), "the close embeds its receipts as filed"
    assert {(t.type, t.sale_amount, t.return_amount) for t in got_close.payment_totals} == {
        ("cash", 40000 - 4000, ret.total),  # cash sales: handed over − change
        ("card", 24546, 0),
    }
    expect(lambda: {r.state for r in export_rows(till.node)} == {"done"}, what="all rows done")


def test_shift_close_waits_for_a_receipt_still_on_an_offline_till(server, till, export_dir):
    till.open_shift()
    till.receipt()
    late = till.receipt(send=False)  # still on the till when the close gets through
    till.receipt(state="cancelled")
    till.close_shift()
    expect(
        lambda: (
            "receipt_[17]_[3]_[1]_[3]_[1].xml" not in files(export_dir)
            and len(files(export_dir)) == 2
        ),
        what="open and receipt 1 exported",
    )
    _, status = get_json(server.ctx.url + "/status")
    assert status["export"]["held_shift_closes"] == 1
    assert "shift_[17]_[3]_[1]_[1].xml" not in files(export_dir)
    assert [r.state for r in export_rows(server) if r.kind == "shift_close"] == ["held"]

    till.send(late)
    expect(lambda: "shift_[17]_[3]_[1]_[1].xml" in files(export_dir), what="shift close written")
    close = read(export_dir, "shift_[17]_[3]_[1]_[1].xml")
    assert [r.receipt_num for r in close.receipts] == [1, 2], "cancelled receipt 3 is not in it"
    assert "receipt_[17]_[3]_[1]_[3]_[1].xml" not in files(export_dir)


def test_the_same_receipt_delivered_twice_is_stored_and_exported_once(server, till, export_dir):
    till.open_shift()
    doc = till.receipt(send=False)
    first = till.send(doc)
    again = till.send(doc, seq=first.seq)
    assert again.duplicate
    till.send(doc)  # re-sent as a new document of the channel
    other_path = ScriptedTill(server, store="17", number=3)
    other_path.send(doc)  # through another path (e.g. restored from a backup)
    expect(lambda: "receipt_[17]_[3]_[1]_[1]_[1].xml" in files(export_dir))
    with server.ctx.db.read() as s:
        assert s.execute(select(func.count()).select_from(SaleReceipt)).scalar() == 1

    def receipt_rows():
        return [r for r in export_rows(server) if r.kind == "receipt"]

    # the file is written before its row is marked done (a crash between rewrites it)
    expect(lambda: all(r.state == "done" for r in receipt_rows()), what="export recorded")
    rows = receipt_rows()
    assert len(rows) == 1 and rows[0].state == "done" and rows[0].attempts == 1


def test_an_unwritable_export_folder_is_reported_retried_and_loses_nothing(
    server_factory, tmp_path, caplog
):
    blocked = tmp_path / "share"
    blocked.write_text("not a folder")  # as root, a missing mount is the honest failure
    node = server_factory(export_dir=str(blocked), export_retry_max=0.3)
    till = ScriptedTill(node)
    caplog.set_level(logging.ERROR, logger="ukm_actors.nodes.server.sales.exporter")
    till.open_shift()
    till.receipt()

    def failing():
        _, st = get_json(node.ctx.url + "/status")
        return st["export"]["state"] == "failing" and st["export"]

    state = expect(failing, what="export shown failing in /status")
    assert str(blocked) in state["error"] and "export folder" in state["error"]
    assert state["pending"] == 2
    expect(
        lambda: any("cannot write to the export folder" in r.getMessage() for r in caplog.records),
        what="a clear error in the log",
    )
    expect(lambda: get_json(node.ctx.url + "/status")[1]["export"]["retries"] >= 2, what="retried")
    till.receipt()
    blocked.unlink()
    blocked.mkdir()
    expect(lambda: len(files(blocked)) == 3, what="everything written once the folder is back")
    expect(lambda: get_json(node.ctx.url + "/status")[1]["export"]["state"] == "ok")
    assert get_json(node.ctx.url + "/status")[1]["export"]["pending"] == 0


def test_only_the_configured_stores_are_exported(server_factory):
    node = server_factory(export_stores=["18"])
    folder = node.ctx.config.resolve(node.ctx.config.server.export_dir)
    t17, t18 = ScriptedTill(node, store="17", number=1), ScriptedTill(node, store="18", number=1)
    t17.open_shift()
    t17.receipt()
    t18.open_shift()
    t18.receipt()
    expect(
        lambda: (
            files(folder) == ["receipt_[18]_[1]_[1]_[1]_[1].xml", "shiftOpen_[18]_[1]_[1]_[1].xml"]
        )
    )
    assert {r.state for r in export_rows(node) if r.store == "17"} == {"skipped"}


@pytest.mark.skipif(not PG_URL, reason="two servers share one database on PostgreSQL")
def test_two_servers_on_one_database_export_each_document_once(tmp_path, db_url):
    folder = tmp_path / "export"
    a = start_node(
        "server",
        tmp_path,
        db_url,
        server={"export_dir": str(folder), "export_scan": 0.2, "cluster_node": "a"},
        node={"id": "server-a"},
    )
    b = start_node(
        "server",
        tmp_path,
        db_url,
        server={"export_dir": str(folder), "export_scan": 0.2, "cluster_node": "b"},
        node={"id": "server-b"},
    )
    try:
        till = ScriptedTill(a)
        till.open_shift()
        for _ in range(5):
            till.receipt()
        expect(lambda: len(files(folder)) == 6)
        here = [get_json(n.ctx.url + "/status")[1]["export"]["exporting_here"] for n in (a, b)]
        assert sorted(here) == [False, True]
        assert {r.attempts for r in export_rows(a)} == {1}
    finally:
        b.stop()
        a.stop()


EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples" / "export"


def test_the_documented_examples_are_what_the_exporter_writes(till, export_dir):
    """docs/exchange.md §2.7: this shift.open and cash.move give the example files."""
    cashier = {"cashier_code": "104", "cashier_name": "Петрова Анна Сергеевна"}
    where = {"store": "17", "till": 3, "shift_num": 88412}
    till.send(
        ShiftOpenDoc(
            shift_id="s",
            **where,
            opened_at="2024-03-15T08:01:12",
            opened_at_utc="2024-03-15T05:01:12Z",
            kkm_shift_number=215,
            **cashier,
        )
    )
    till.send(
        CashMoveDoc(
            doc_id="c",
            **where,
            number=2,
            direction="out",
            amount=2_000_000,
            at="2024-03-15T15:40:00",
            at_utc="2024-03-15T12:40:00Z",
            **cashier,
        )
    )
    names = ["cashbox_[17]_[3]_[88412]_[2]_[1].xml", "shiftOpen_[17]_[3]_[88412]_[1].xml"]
    expect(lambda: files(export_dir) == names)
    for name in names:
        assert (export_dir / name).read_bytes() == (EXAMPLES / name).read_bytes(), name


def test_a_document_that_cannot_be_written_is_marked_failed_and_the_rest_go_on(
    server, till, export_dir
):
    till.open_shift()
    bad = till.receipt(cashier_code="A-17")
    till.receipt()
    expect(
        lambda: (
            files(export_dir)
            == ["receipt_[17]_[3]_[1]_[2]_[1].xml", "shiftOpen_[17]_[3]_[1]_[1].xml"]
        )
    )
    st = expect(
        lambda: (s := get_json(server.ctx.url + "/status")[1]["export"])["failed"] == 1 and s
    )
    assert st["state"] == "ok" and st["pending"] == 0
    with server.ctx.db.read() as s:
        detail = receipt_detail(s, bad.receipt_id)
    assert detail["export"]["state"] == "failed"
    assert "cashier code 'A-17' is not a whole number" in detail["export"]["error"]


def test_unfinished_files_a_killed_exporter_left_are_removed_by_the_next_holder(tmp_path):
    import os
    import time

    from ukm_actors.nodes.server.sales.exporter import remove_stale_temporaries

    old = tmp_path / ".receipt_[17]_[1]_[1]_[5]_[1].xml.abc123.tmp"
    fresh = tmp_path / ".receipt_[17]_[1]_[1]_[6]_[1].xml.def456.tmp"
    done = tmp_path / "receipt_[17]_[1]_[1]_[4]_[1].xml"
    for f in (old, fresh, done):
        f.write_text("<receipt/>")
    os.utime(old, (time.time() - 120, time.time() - 120))
    assert remove_stale_temporaries(tmp_path, 15.0) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, done.name])
