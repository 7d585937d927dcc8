"""A scripted till for server tests: builds till documents and applies them in order.

Documents are built with ``codecs/tilldocs.py`` and applied through
``bridge.inbox.apply`` with the node's own appliers, one write transaction
each, exactly as the bridge does, so the tests do not depend on HTTP.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from ukm_actors.bridge.documents import Document, channel_name
from ukm_actors.bridge.inbox import Applied, apply
from ukm_actors.codecs.tilldocs import (
    CashMoveDoc,
    LineDiscountDoc,
    OriginalRef,
    PaymentDoc,
    ReceiptDoc,
    ReceiptLineDoc,
    ShiftCloseDoc,
    ShiftOpenDoc,
    doc_type,
    encode,
)
from ukm_actors.domain.money import line_amount

BASE = datetime(2024, 3, 15, 8, 0, 0)
"""Local time of the first document; every document is a minute after the previous one."""


def line(
    position: int,
    article: str = "100245",
    price: int = 8990,
    quantity: int = 1000,
    *,
    barcode: str | None = "4600000000017",
    name: str | None = None,
    discount: int = 0,
    campaign: str = "9001",
    voided: bool = False,
) -> ReceiptLineDoc:
    amount = line_amount(price, quantity)
    return ReceiptLineDoc(
        position=position,
        article=article,
        name=name or f"Item {article}",
        measure="шт",
        quantity=quantity,
        price=price,
        amount=amount,
        discount=discount,
        total=amount - discount,
        barcode=barcode,
        taxgroup_id="2",
        discounts=(LineDiscountDoc(campaign, "-10%", discount),) if discount else (),
        voided=voided,
    )


@dataclass
class ScriptedTill:
    """One till of ``store``: numbers its shifts, receipts and documents like a real one."""

    node: Any
    store: str = "17"
    number: int = 3
    cashier_code: str = "104"
    cashier_name: str = "Петрова Анна Сергеевна"
    seq: int = 0
    shift_num: int = 0
    receipt_no: int = 0
    cash_no: int = 0
    clock: datetime = BASE
    utc_offset: timedelta = timedelta(hours=3)
    receipts: list[int] = field(default_factory=list)
    cash_moves: list[int] = field(default_factory=list)

    @property
    def node_id(self) -> str:
        return f"till-{self.store}-{self.number}"

    @property
    def channel(self) -> str:
        return channel_name(self.node_id, "server")

    def tick(self) -> tuple[str, str]:
        self.clock += timedelta(minutes=1)
        utc = self.clock - self.utc_offset
        return self.clock.isoformat(timespec="seconds"), utc.isoformat(timespec="seconds") + "Z"

    # -- sending -----------------------------------------------------------------

    def document(self, doc: Any, seq: int | None = None) -> Document:
        if seq is None:
            self.seq += 1
            seq = self.seq
        return Document.make(doc_type(doc), encode(doc), channel=self.channel, seq=seq)

    def send(self, doc: Any, seq: int | None = None) -> Applied:
        """Apply ``doc`` on the server as the next document of this till's channel."""
        d = self.document(doc, seq)
        with self.node.ctx.db.write() as session:
            return apply(session, d, self.node.ctx.appliers)

    # -- documents ---------------------------------------------------------------

    def open_shift(self, send: bool = True) -> ShiftOpenDoc:
        self.shift_num += 1
        self.receipt_no = 0
        self.cash_no = 0
        self.receipts = []
        self.cash_moves = []
        local, utc = self.tick()
        doc = ShiftOpenDoc(
            shift_id=str(uuid.uuid4()),
            store=self.store,
            till=self.number,
            shift_num=self.shift_num,
            opened_at=local,
            opened_at_utc=utc,
            cashier_code=self.cashier_code,
            cashier_name=self.cashier_name,
            kkm_shift_number=200 + self.shift_num,
        )
        if send:
            self.send(doc)
        return doc

    def receipt(
        self,
        lines: tuple[ReceiptLineDoc, ...] | None = None,
        payments: tuple[PaymentDoc, ...] | None = None,
        *,
        kind: str = "sale",
        state: str = "completed",
        change: int = 0,
        original: ReceiptDoc | None = None,
        offline_return: bool = False,
        card: str | None = None,
        cashier_code: str | None = None,
        send: bool = True,
    ) -> ReceiptDoc:
        """A receipt; payments default to cash covering the total (plus ``change``)."""
        self.receipt_no += 1
        self.receipts.append(self.receipt_no)
        lines = lines if lines is not None else (line(1),)
        total = sum(ln.total for ln in lines if not ln.voided)
        if payments is None:
            payments = (PaymentDoc("cash", total + change),)
        local, utc = self.tick()
        ref = None
        if original is not None:
            ref = OriginalRef(
                store=original.store,
                till=original.till,
                shift_num=original.shift_num,
                number=original.number,
                receipt_id=original.receipt_id,
            )
        doc = ReceiptDoc(
            receipt_id=str(uuid.uuid4()),
            store=self.store,
            till=self.number,
            shift_num=self.shift_num,
            number=self.receipt_no,
            kind=kind,
            state=state,
            opened_at=local,
            closed_at=local,
            closed_at_utc=utc,
            cashier_code=cashier_code or self.cashier_code,
            cashier_name=self.cashier_name,
            total=total,
            change=change,
            lines=lines,
            payments=payments,
            card=card,
            original=ref,
            offline_return=offline_return,
            kkm_receipt_number=1000 + self.receipt_no,
        )
        if send:
            self.send(doc)
        return doc

    def cash(self, direction: str, amount: int, send: bool = True) -> CashMoveDoc:
        self.cash_no += 1
        self.cash_moves.append(self.cash_no)
        local, utc = self.tick()
        doc = CashMoveDoc(
            doc_id=str(uuid.uuid4()),
            store=self.store,
            till=self.number,
            shift_num=self.shift_num,
            number=self.cash_no,
            direction=direction,
            amount=amount,
            at=local,
            at_utc=utc,
            cashier_code=self.cashier_code,
            cashier_name=self.cashier_name,
        )
        if send:
            self.send(doc)
        return doc

    def close_shift(self, send: bool = True, **changes: Any) -> ShiftCloseDoc:
        local, utc = self.tick()
        doc = ShiftCloseDoc(
            shift_id=str(uuid.uuid4()),
            store=self.store,
            till=self.number,
            shift_num=self.shift_num,
            closed_at=local,
            closed_at_utc=utc,
            cashier_code=self.cashier_code,
            cashier_name=self.cashier_name,
            kkm_shift_number=200 + self.shift_num,
            receipt_numbers=tuple(self.receipts),
            cash_move_numbers=tuple(self.cash_moves),
            totals={"sales_total": 0},
        )
        doc = replace(doc, **changes)
        if send:
            self.send(doc)
        return doc
