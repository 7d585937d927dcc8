"""The ``loyalty.accrual`` document (till → marketing): what a closed receipt owes.

A till writes one in the transaction that closes a receipt that touches
marketing (a card, a campaign discount, a coupon, a certificate or bonus
payment, a certificate sold). The marketing server applies it once: the bridge
applies each (channel, seq) once, and ``receipt_id`` is a second key, so a
receipt is never counted twice even if it is sent again on a new channel.

Body, UTF-8 JSON::

    {"receipt_id": "…", "store": "17", "till": "till-17-1", "kind": "sale",
     "closed_at": "2026-12-07T12:00:00", "closed_at_utc": "2026-12-07T09:00:00Z",
     "card": "7770001", "total": 15000,
     "lines": [{"position": 1, "article": "1001", "amount": 17980, "total": 16182,
                "discounts": [["C12", 1798]]}],
     "payments": [{"type": "cash", "amount": 20000, "reference": null}],
     "coupons": ["SP00017"], "earned": [["B5", 700]],
     "certificates_sold": [["CERT000123", 100000]],
     "original_receipt_id": null}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ukm_actors.domain.money import Money
from ukm_actors.errors import UkmError

DOC_TYPE = "loyalty.accrual"


class AccrualError(UkmError):
    code = "loyalty.accrual_invalid"


@dataclass(frozen=True)
class AccrualLine:
    position: int
    article: str
    amount: Money
    total: Money
    discounts: tuple[tuple[str, Money], ...] = ()


@dataclass(frozen=True)
class AccrualPayment:
    type: str
    amount: Money
    reference: str | None = None


@dataclass(frozen=True)
class Accrual:
    receipt_id: str
    store: str
    till: str
    kind: str
    closed_at: str
    closed_at_utc: str
    total: Money
    card: str | None = None
    lines: tuple[AccrualLine, ...] = ()
    payments: tuple[AccrualPayment, ...] = ()
    coupons: tuple[str, ...] = ()
    earned: tuple[tuple[str, int], ...] = ()
    certificates_sold: tuple[tuple[str, Money], ...] = ()
    original_receipt_id: str | None = None

    @property
    def day(self) -> str:
        """The store-local date of the receipt (``yyyy-mm-dd``)."""
        return self.closed_at[:10]


def encode(a: Accrual) -> bytes:
    data: dict[str, Any] = {
        "receipt_id": a.receipt_id,
        "store": a.store,
        "till": a.till,
        "kind": a.kind,
        "closed_at": a.closed_at,
        "closed_at_utc": a.closed_at_utc,
        "card": a.card,
        "total": a.total,
        "lines": [
            {
                "position": ln.position,
                "article": ln.article,
                "amount": ln.amount,
                "total": ln.total,
                "discounts": [list(d) for d in ln.discounts],
            }
            for ln in a.lines
        ],
        "payments": [
            {"type": p.type, "amount": p.amount, "reference": p.reference} for p in a.payments
        ],
        "coupons": list(a.coupons),
        "earned": [list(e) for e in a.earned],
        "certificates_sold": [list(c) for c in a.certificates_sold],
        "original_receipt_id": a.original_receipt_id,
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


def decode(body: bytes) -> Accrual:
    """An accrual from its body; ``AccrualError`` when it is malformed."""
    try:
        d = json.loads(body.decode("utf-8"))
        return Accrual(
            receipt_id=str(d["receipt_id"]),
            store=str(d["store"]),
            till=str(d["till"]),
            kind=str(d["kind"]),
            closed_at=str(d["closed_at"]),
            closed_at_utc=str(d["closed_at_utc"]),
            total=int(d["total"]),
            card=d.get("card") or None,
            lines=tuple(
                AccrualLine(
                    int(ln["position"]),
                    str(ln["article"]),
                    int(ln["amount"]),
                    int(ln["total"]),
                    tuple((str(c), int(v)) for c, v in ln.get("discounts") or []),
                )
                for ln in d.get("lines") or []
            ),
            payments=tuple(
                AccrualPayment(str(p["type"]), int(p["amount"]), p.get("reference"))
                for p in d.get("payments") or []
            ),
            coupons=tuple(str(c) for c in d.get("coupons") or []),
            earned=tuple((str(c), int(n)) for c, n in d.get("earned") or []),
            certificates_sold=tuple((str(n), int(v)) for n, v in d.get("certificates_sold") or []),
            original_receipt_id=d.get("original_receipt_id"),
        )
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise AccrualError(f"loyalty.accrual document is malformed: {exc!r}") from exc
