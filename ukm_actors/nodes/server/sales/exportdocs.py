"""What the server stored → the export documents (``exchange.sales``, shared with the tills).

The server's shift rows are turned into the shared ``ShiftFacts`` (a cash move row
already is a ``CashFacts``); the documents themselves are built by ``exchange.sales``,
the same code a till of a decentralised store writes its sales files with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from ukm_actors.codecs.tilldocs import ReceiptDoc
from ukm_actors.codecs.ukm_export import ExportCashBox, ExportShiftClose, ExportShiftOpen
from ukm_actors.exchange import sales
from ukm_actors.exchange.sales import ShiftFacts, export_receipt
from ukm_actors.nodes.server.sales.tables import SaleCashMove, SaleShift

__all__ = [
    "expected_receipts",
    "export_cash_box",
    "export_receipt",
    "export_shift_close",
    "export_shift_open",
]


def _opened(s: SaleShift) -> ShiftFacts:
    return ShiftFacts(
        s.store,
        s.till,
        s.shift_num,
        s.opened_at,
        s.open_cashier_code,
        s.open_cashier_name,
        s.kkm_shift_number,
    )


def _closed(s: SaleShift) -> ShiftFacts:
    kkm = s.close_kkm_shift_number
    if kkm is None:
        kkm = s.kkm_shift_number or 0
    return ShiftFacts(
        s.store, s.till, s.shift_num, s.closed_at, s.close_cashier_code, s.close_cashier_name, kkm
    )


def export_shift_open(s: SaleShift) -> ExportShiftOpen:
    return sales.export_shift_open(_opened(s))


def export_cash_box(m: SaleCashMove) -> ExportCashBox:
    return sales.export_cash_box(m)


def expected_receipts(s: SaleShift) -> list[int]:
    """Receipt numbers the shift's close document names (empty before the close)."""
    return sorted(set(json.loads(s.receipt_numbers))) if s.receipt_numbers else []


def export_shift_close(
    s: SaleShift,
    receipts: Iterable[ReceiptDoc],
    moves: Iterable[SaleCashMove],
    vat: Mapping[str, Mapping[int, int]] | None = None,
) -> ExportShiftClose:
    """The ``shift`` export document (see ``exchange.sales.export_shift_close``)."""
    return sales.export_shift_close(_closed(s), receipts, moves, vat)
