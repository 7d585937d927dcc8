"""What the trade system reconciles: positions, shift totals against the receipts, VAT.

Issue 16.4/16.5: voided lines disappeared, so positions jumped (1, 3) with nothing to say why;
the shift file's cash ``saleAmount`` held the cash handed over (600.00) while cash sales were
496.45; receipts carried ``taxgroupId`` but no VAT amount.
"""

from dataclasses import replace
from datetime import date

import pytest

from tests.server.catalog.conftest import EXAMPLES, write_xml
from tests.server.sales.test_export import files, read
from tests.server.tills import line
from ukm_actors.codecs.tilldocs import PaymentDoc
from ukm_actors.codecs.ukm_export import ExportShiftClose, ExportVoidedItem
from ukm_actors.nodes.server.catalog.loader import LoadOptions, load_file
from ukm_actors.nodes.server.sales.exportwork import reexport
from ukm_actors.supervision.testing import expect

pytestmark = pytest.mark.timeout(60)

SALE = "receipt_[17]_[3]_[1]_[1]_[1].xml"
CLOSE = "shift_[17]_[3]_[1]_[1].xml"


def test_voided_lines_keep_every_position_accounted_for_and_count_nowhere(till, export_dir):
    till.open_shift()
    sale = till.receipt(
        (
            line(1, "100245", 8990, 1000),
            line(2, "100311", 7990, 2000, voided=True),
            line(3, "200017", 5450, 1000),
        )
    )
    ret = till.receipt((line(3, "200017", 5450, 1000),), kind="return", original=sale)
    till.close_shift()
    expect(lambda: CLOSE in files(export_dir), what="the shift close")
    got = read(export_dir, SALE)
    assert [i.position for i in got.items] == [1, 3]
    assert got.voided == (
        ExportVoidedItem(
            position=2,
            article="100311",
            barcode="4600000000017",
            name="Item 100311",
            quantity=2000,
            price=7990,
            amount=15980,
        ),
    )
    positions = sorted([i.position for i in got.items] + [v.position for v in got.voided])
    assert positions == [1, 2, 3], "every position is either sold or voided"
    assert got.total == sum(i.total for i in got.items) == 8990 + 5450
    # a return names the sale's positions: line 3 of the sale is line 3 of the return
    got_ret = read(export_dir, "receipt_[17]_[3]_[1]_[2]_[1].xml")
    assert [i.position for i in got_ret.items] == [3]
    assert got.items[1].article == got_ret.items[0].article
    close = read(export_dir, CLOSE)
    assert close.sale_amount == sale.total and close.return_amount == ret.total


def test_the_shift_reconciles_with_its_receipts_cash_sales_net_of_change(till, export_dir):
    till.open_shift()
    cash_only = till.receipt(
        (line(1, "100245", 49645, 1000),), (PaymentDoc("cash", 60000),), change=10355
    )
    split = till.receipt(
        (line(1, "200017", 30000, 1000),),
        (PaymentDoc("cash", 10000), PaymentDoc("card", 20000, rrn="1")),
    )
    till.receipt(state="cancelled")
    ret = till.receipt((line(1, "100245", 49645, 1000),), kind="return", original=cash_only)
    till.close_shift()
    expect(lambda: CLOSE in files(export_dir), what="the shift close")
    close = read(export_dir, CLOSE)
    assert isinstance(close, ExportShiftClose)
    totals = {t.type: (t.sale_amount, t.return_amount) for t in close.payment_totals}
    # 496.45 of cash sales (600.00 handed over − 103.55 change) + 100.00 of the split one
    assert totals == {"cash": (49645 + 10000, ret.total), "card": (20000, 0)}
    assert close.change_amount == 10355
    assert sum(t.sale_amount for t in close.payment_totals) == close.sale_amount
    assert close.sale_amount == cash_only.total + split.total
    assert sum(t.return_amount for t in close.payment_totals) == close.return_amount
    assert (close.sale_count, close.return_count, close.cancelled_count) == (2, 1, 1)
    # each receipt still shows the cash as tendered, and its change
    embedded = {r.receipt_num: r for r in close.receipts}
    assert [(p.type, p.amount) for p in embedded[1].payments] == [("cash", 60000)]
    assert embedded[1].change == 10355
    assert sorted(embedded) == [1, 2, 4], "cancelled receipt 3 is counted, not embedded"


def load_taxes(node, tmp_path, name, rate_of_group_2="10.00"):
    body = (EXAMPLES / "taxes_[12]_[F].xml").read_text(encoding="utf-8")
    body = body.replace("<rate>10.00</rate>", f"<rate>{rate_of_group_2}</rate>")
    path = write_xml(tmp_path, name, body)
    result = load_file(node.ctx.db, path, LoadOptions(kind="cli"))
    assert result.status == "loaded", result.error


def test_each_line_carries_its_vat_from_the_imported_rates(server, till, export_dir, tmp_path):
    load_taxes(server, tmp_path, "taxes_[12]_[F].xml")
    till.open_shift()

    def taxed(position, article, price, taxgroup):
        return replace(line(position, article, price), taxgroup_id=taxgroup)

    till.receipt(
        (
            line(1, "100245", 8990, 6000, discount=5394),  # tax group 2: 10 %
            taxed(2, "700501", 49900, "1"),  # 20 %
            taxed(3, "999001", 10000, "3"),  # 0 %: "Без НДС"
            taxed(4, "999002", 10000, "77"),  # no such tax group
            taxed(5, "999003", 10000, None),  # no tax group at all
        )
    )
    expect(lambda: SALE in files(export_dir), what="the receipt")
    items = read(export_dir, SALE).items
    assert [(i.vat_rate, i.vat_amount) for i in items] == [
        (1000, 4413),  # 485.46 × 10/110 = 44.1327 → 44.13
        (2000, 8317),  # 499.00 × 20/120 = 83.1666 → 83.17
        (0, 0),
        (None, None),
        (None, None),
    ]
    text = (export_dir / SALE).read_text(encoding="utf-8")
    assert "<taxgroupId>2</taxgroupId>\n    <vatRate>10.00</vatRate>\n    <vatAmount>44.13" in text

    # the rate of group 2 changes to 22 %: a re-export still shows what the receipt was sold with
    load_taxes(server, tmp_path, "taxes_[13]_[F].xml", "22.00")
    (export_dir / SALE).unlink()
    reexport(server.ctx.db, export_dir, date(2024, 3, 15))
    assert read(export_dir, SALE).items[0].vat_amount == 4413
    # and a receipt arriving now is stamped with the new rate
    till.receipt((line(1, "100245", 12200, 1000),))
    expect(
        lambda: "receipt_[17]_[3]_[1]_[2]_[1].xml" in files(export_dir), what="the second receipt"
    )
    second = read(export_dir, "receipt_[17]_[3]_[1]_[2]_[1].xml").items[0]
    assert (second.vat_rate, second.vat_amount) == (2200, 2200)  # 122.00 × 22/122
