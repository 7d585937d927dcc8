"""A till's sales files (decentralised store): the server's export format, each exactly once."""

from __future__ import annotations

import os

from sqlalchemy import update

from tests.nodes.helpers import get_json
from tests.till.helpers import BREAD, MILK, SUPERVISOR
from ukm_actors.codecs.ukm_export import parse_export_file
from ukm_actors.nodes.till.exchange.sales import clean_leftovers, drain
from ukm_actors.nodes.till.exchange.tables import SalesFile


def _day(till) -> None:
    till.post("/shift/open")
    till.scan(MILK)
    till.pay("cash", 10000)
    till.scan(BREAD)
    till.post("/receipt/cancel", {"supervisor": SUPERVISOR})
    till.post("/cash/in", {"amount": 100000})
    till.post("/cash/out", {"amount": 5000})
    till.scan(BREAD)
    till.pay("cash", 4500)
    till.post("/shift/close")


def test_every_document_of_a_day_becomes_one_file(start_till, tmp_path):
    sales = tmp_path / "sales"
    node, till = start_till(sales_folder=str(sales))
    till.login()
    _day(till)
    db = node.ctx.require_db()
    drain(db, sales)
    names = sorted(p.name for p in sales.iterdir())
    assert names == [
        "cashbox_[17]_[1]_[1]_[1]_[1].xml",
        "cashbox_[17]_[1]_[1]_[2]_[1].xml",
        "receipt_[17]_[1]_[1]_[1]_[1].xml",
        "receipt_[17]_[1]_[1]_[3]_[1].xml",
        "shiftOpen_[17]_[1]_[1]_[1].xml",
        "shift_[17]_[1]_[1]_[1].xml",
    ]
    shift = parse_export_file(sales / "shift_[17]_[1]_[1]_[1].xml")
    assert shift.sale_count == 2 and shift.cancelled_count == 1
    assert shift.sale_amount == 8990 + 4500
    assert shift.cash_in_amount == 100000 and shift.cash_out_amount == 5000
    receipt = parse_export_file(sales / "receipt_[17]_[1]_[1]_[1]_[1].xml")
    assert receipt.items[0].vat_rate == 2000  # the till's tax directory when it closed
    code, body = get_json(node.ctx.url + "/status")
    status = body["exchange"]
    assert status["sales"]["pending"] == 0
    assert status["sales"]["last_written"]["file"] == "shift_[17]_[1]_[1]_[1].xml"


def test_a_kill_between_the_file_and_its_mark_writes_nothing_twice(start_till, tmp_path):
    sales = tmp_path / "sales"
    node, till = start_till(sales_folder=str(sales))
    till.login()
    till.post("/shift/open")
    till.scan(MILK)
    till.pay("cash", 10000)
    db = node.ctx.require_db()
    drain(db, sales)
    path = sales / "receipt_[17]_[1]_[1]_[1]_[1].xml"
    before = os.stat(path).st_mtime_ns
    with db.write() as s:  # as if killed after the rename, before the row was marked
        s.execute(update(SalesFile).values(written_at=None))
    (sales / ".receipt_[17]_[1]_[1]_[2]_[1].xml.abc.tmp").write_bytes(b"<half")
    assert clean_leftovers(sales) == 1
    assert drain(db, sales) == 2
    assert os.stat(path).st_mtime_ns == before  # not rewritten: the integration copies it once
    assert sorted(p.name for p in sales.iterdir()) == [
        "receipt_[17]_[1]_[1]_[1]_[1].xml",
        "shiftOpen_[17]_[1]_[1]_[1].xml",
    ]


def _age_all(db, model, column, when="2000-01-01T00:00:00+00:00") -> None:
    with db.write() as s:
        s.execute(update(model).where(column.is_not(None)).values({column: when}))


def test_written_rows_of_closed_shifts_are_pruned_once_old(start_till, tmp_path):
    """Rows written long ago go once their shift is closed; an open shift's rows (its close
    file is built from them), the last file written and unwritten rows stay."""
    from sqlalchemy import select

    sales = tmp_path / "sales"
    node, till = start_till(sales_folder=str(sales), exchange_keep_days=30)
    till.login()
    _day(till)  # shift 1: open, 3 receipts (one cancelled), 2 cash moves, close
    till.post("/shift/open")  # shift 2, still open
    till.scan(MILK)
    till.pay("cash", 10000)
    db = node.ctx.require_db()
    drain(db, sales)
    _age_all(db, SalesFile, SalesFile.written_at)
    writer = node.ctx.names.find("sales_writer")
    assert writer is not None
    assert writer.proxy().prune().get(timeout=30) == 7  # shift 1's rows, its close too
    with db.read() as s:
        left = s.execute(select(SalesFile.doc_type).order_by(SalesFile.id)).scalars().all()
    assert left == ["shift.open", "receipt"]
    till.post("/shift/close")
    drain(db, sales)  # shift 2's close file is built from the rows that stayed
    shift2 = parse_export_file(sales / "shift_[17]_[1]_[2]_[1].xml")
    assert shift2.sale_count == 1 and shift2.sale_amount == 8990
    assert writer.proxy().prune().get(timeout=30) == 0  # not old yet
    code, body = get_json(node.ctx.url + "/status")
    assert body["exchange"]["pruned"]["sales"]["pruned"] == 7
    assert body["exchange"]["pruned"]["sales"]["keep_days"] == 30
