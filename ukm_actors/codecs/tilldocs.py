"""Documents a till sends the cash server: shift open/close, receipts, cash in/out.

Each is a frozen dataclass, encoded as UTF-8 JSON (``encode``/``decode``).
Money is kopecks, quantities thousandths. Times are given twice: as the
store's local wall-clock time (``yyyy-mm-ddThh:mm:ss``, what receipts and the
UKM export show) and in UTC (for ordering and searching).

Identity: a shift is ``(store, till, shift_num)`` (``shift_num`` grows per
till); a receipt is ``(store, till, shift_num, number)``, and also has a
``receipt_id`` (UUID) printed as its barcode, for returns at any till.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from ukm_actors.errors import UkmError

T = TypeVar("T")

SHIFT_OPEN = "shift.open"
RECEIPT = "receipt"
CASH_MOVE = "cash.move"
SHIFT_CLOSE = "shift.close"


MAX_INT = 10**15
"""Largest integer (in size) anywhere in a till document: far above any real amount,
quantity or number (``domain.money`` has the maxima a till holds to), far enough
below 2**63 that sums over a shift cannot overflow a database column."""


class TillDocError(UkmError):
    code = "tilldoc.invalid"


@dataclass(frozen=True)
class ShiftOpenDoc:
    shift_id: str
    store: str
    till: int
    shift_num: int
    opened_at: str
    opened_at_utc: str
    cashier_code: str
    cashier_name: str
    kkm_shift_number: int


@dataclass(frozen=True)
class LineDiscountDoc:
    campaign_id: str
    name: str
    amount: int


@dataclass(frozen=True)
class ReceiptLineDoc:
    position: int
    article: str
    name: str
    measure: str
    quantity: int
    price: int
    amount: int
    discount: int
    total: int
    barcode: str | None = None
    taxgroup_id: str | None = None
    price_type: str | None = None
    seller_code: str | None = None
    voided: bool = False
    discounts: tuple[LineDiscountDoc, ...] = ()


@dataclass(frozen=True)
class PaymentDoc:
    type: str
    amount: int
    rrn: str | None = None
    card_mask: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class OriginalRef:
    """The receipt a return refers to."""

    store: str
    till: int
    shift_num: int
    number: int
    receipt_id: str


@dataclass(frozen=True)
class ReceiptDoc:
    receipt_id: str
    store: str
    till: int
    shift_num: int
    number: int
    kind: str  # "sale" | "return"
    state: str  # "completed" | "cancelled"
    opened_at: str
    closed_at: str
    closed_at_utc: str
    cashier_code: str
    cashier_name: str
    total: int
    change: int = 0
    lines: tuple[ReceiptLineDoc, ...] = ()
    payments: tuple[PaymentDoc, ...] = ()
    card: str | None = None
    original: OriginalRef | None = None
    offline_return: bool = False
    supervisor_code: str | None = None
    kkm_receipt_number: int | None = None
    bonus: dict[str, Any] = field(default_factory=dict)
    """Loyalty data of the receipt (points earned/spent), filled by the promotion engine."""
    fiscal: dict[str, Any] | None = None
    """The fiscal register's data (``FiscalResult.to_json()`` + ``qr``), None without one."""


@dataclass(frozen=True)
class CashMoveDoc:
    doc_id: str
    store: str
    till: int
    shift_num: int
    number: int
    direction: str  # "in" | "out"
    amount: int
    at: str
    at_utc: str
    cashier_code: str
    cashier_name: str


@dataclass(frozen=True)
class ShiftCloseDoc:
    shift_id: str
    store: str
    till: int
    shift_num: int
    closed_at: str
    closed_at_utc: str
    cashier_code: str
    cashier_name: str
    kkm_shift_number: int
    receipt_numbers: tuple[int, ...]
    """Every receipt of the shift (sales, returns, cancelled): the server exports the
    shift close only once all of them have arrived."""
    cash_move_numbers: tuple[int, ...] = ()
    totals: dict[str, Any] = field(default_factory=dict)
    """``ShiftTotals.to_json()`` as the till computed it (the Z report)."""


TYPES: dict[str, type[Any]] = {
    SHIFT_OPEN: ShiftOpenDoc,
    RECEIPT: ReceiptDoc,
    CASH_MOVE: CashMoveDoc,
    SHIFT_CLOSE: ShiftCloseDoc,
}


def encode(doc: Any) -> bytes:
    """A document as UTF-8 JSON."""
    return json.dumps(_to_json(doc), ensure_ascii=False, sort_keys=True).encode("utf-8")


def _to_json(value: Any) -> Any:
    """Plain JSON data of a document (``dataclasses.asdict`` without its deep copies)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _to_json(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, (tuple, list)):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    return value


@functools.cache
def _field_names(cls: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def doc_type(doc: Any) -> str:
    for name, cls in TYPES.items():
        if isinstance(doc, cls):
            return name
    raise TillDocError(f"{type(doc).__name__} is not a till document")


def decode(kind: str, body: bytes) -> Any:
    """Parse a document body of type ``kind`` into its dataclass."""
    cls = TYPES.get(kind)
    if cls is None:
        raise TillDocError(f"unknown till document type {kind!r}")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise TillDocError(f"{kind} document is not valid JSON: {exc}") from exc
    return from_dict(cls, data, kind)


Converter = Callable[[Any, str], Any]


def from_dict(cls: type[T], data: Any, where: str) -> T:
    """Build dataclass ``cls`` from JSON data, checking field names and types."""
    result: T = _converter(cast(Any, cls))(data, where)
    return result


@functools.cache
def _converter(tp: Any) -> Converter:
    """A function converting JSON data to ``tp``, built once per type."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        conv_inner = _converter(inner)

        def optional(value: Any, where: str) -> Any:
            return None if value is None else conv_inner(value, where)

        return optional
    if origin is tuple:
        conv_item = _converter(typing.get_args(tp)[0])

        def tuple_of(value: Any, where: str) -> Any:
            if not isinstance(value, list):
                raise TillDocError(f"{where}: expected a list")
            return tuple(conv_item(v, f"{where}[{i}]") for i, v in enumerate(value))

        return tuple_of
    if origin is dict:

        def mapping(value: Any, where: str) -> Any:
            if not isinstance(value, dict):
                raise TillDocError(f"{where}: expected an object")
            return value

        return mapping
    if dataclasses.is_dataclass(tp):
        return _dataclass_converter(tp)
    if tp in (bool, int, str):
        return _scalar_converter(tp)
    return lambda value, where: value


def _scalar_converter(tp: type[Any]) -> Converter:
    label = {bool: "true/false", int: "an integer", str: "text"}[tp]

    def scalar(value: Any, where: str) -> Any:
        if type(value) is not tp:
            raise TillDocError(f"{where}: expected {label}, got {str(value)[:40]!r}")
        if tp is int and not -MAX_INT <= value <= MAX_INT:
            raise TillDocError(f"{where}: {str(value)[:40]} is out of range (at most {MAX_INT})")
        return value

    return scalar


def _dataclass_converter(cls: Any) -> Converter:
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    names = {f.name for f in fields}
    plan = [
        (
            f.name,
            _converter(hints[f.name]),
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in fields
    ]

    def build(data: Any, where: str) -> Any:
        if not isinstance(data, dict):
            raise TillDocError(f"{where}: expected an object")
        unknown = data.keys() - names
        if unknown:
            raise TillDocError(f"{where}: unknown fields {sorted(unknown)}")
        values: dict[str, Any] = {}
        for name, conv, required in plan:
            if name in data:
                values[name] = conv(data[name], f"{where}.{name}")
            elif required:
                raise TillDocError(f"{where}: missing field {name!r}")
        return cls(**values)

    return build
