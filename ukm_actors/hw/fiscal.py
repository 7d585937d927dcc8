"""Fiscal register (ККТ with a fiscal storage, ФН): what the till needs, as values.

``FiscalRegister`` is the small interface the till calls; ``hw.atol`` speaks
it to an ATOL driver's web server (JSON tasks), ``hw.emulators.fiscal``
emulates that server. Money is integer kopecks and quantity integer
thousandths here; only the wire format turns them into decimal numbers.

Every call that makes a fiscal document carries a ``request_id`` (a UUID
the till stores before the call): asking the same request again never
registers a second document, and ``outcome(request_id)`` tells afterwards
what became of it. A refusal is a ``FiscalRefused`` with the register's
error code and a ``code`` the till can act on (``fiscal.paper_out``,
``fiscal.shift_expired`` ...); a timeout whose result is not known is a
``FiscalUnknown`` (a ``DeviceTimeout``): ask ``outcome`` later, never
register the same receipt again under a new id.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Literal

from ukm_actors.hw.errors import DeviceError, DeviceTimeout

ReceiptKind = Literal["sell", "sellReturn"]
PaymentKind = Literal["cash", "electronically", "prepaid", "credit", "other"]
TAX_TYPES = ("none", "vat0", "vat5", "vat7", "vat10", "vat20", "vat22")
PAYMENT_KINDS: tuple[str, ...] = ("cash", "electronically", "prepaid", "credit", "other")
MEASURES = ("piece", "gram", "kilogram", "ton", "centimeter", "meter", "milliliter", "liter")


@dataclass(frozen=True)
class FiscalItem:
    """One position: ``amount`` is what the customer pays for it (after discounts)."""

    name: str
    price: int
    quantity: int
    amount: int
    tax: str = "none"
    payment_object: str = "commodity"
    payment_method: str = "fullPayment"
    measure: str = "piece"


@dataclass(frozen=True)
class FiscalPayment:
    """A payment of ``kind`` (the register's payment types, see ``PAYMENT_KINDS``)."""

    kind: str
    amount: int


@dataclass(frozen=True)
class FiscalReceipt:
    """A receipt to register: sale (``sell``) or return of a sale (``sellReturn``)."""

    kind: ReceiptKind
    operator: str
    items: tuple[FiscalItem, ...]
    payments: tuple[FiscalPayment, ...]
    taxation: str = "osn"
    operator_vatin: str = ""

    @property
    def total(self) -> int:
        return sum(i.amount for i in self.items)


@dataclass(frozen=True)
class FiscalResult:
    """The fiscal data of one registered document."""

    fn: str
    fd: int
    fp: str
    shift: int
    number: int
    registered_at: str
    """The document's date and time as the register printed it (ISO 8601 with offset)."""
    total: int = 0
    registration_number: str = ""
    fns_url: str = ""
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "fn": self.fn,
            "fd": self.fd,
            "fp": self.fp,
            "shift": self.shift,
            "number": self.number,
            "registered_at": self.registered_at,
            "total": self.total,
            "registration_number": self.registration_number,
            "fns_url": self.fns_url,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FiscalResult:
        return cls(
            fn=str(data["fn"]),
            fd=int(data["fd"]),
            fp=str(data["fp"]),
            shift=int(data["shift"]),
            number=int(data["number"]),
            registered_at=str(data["registered_at"]),
            total=int(data.get("total") or 0),
            registration_number=str(data.get("registration_number") or ""),
            fns_url=str(data.get("fns_url") or ""),
            warnings=tuple(data.get("warnings") or ()),
        )


def qr_text(result: FiscalResult, kind: ReceiptKind) -> str:
    """The receipt's QR string: ``t=YYYYMMDDTHHMM&s=…&fn=…&i=…&fp=…&n=…`` (n 1 sale, 2 return)."""
    at = result.registered_at
    stamp = f"{at[0:4]}{at[5:7]}{at[8:10]}T{at[11:13]}{at[14:16]}"
    n = 1 if kind == "sell" else 2
    total = f"{result.total // 100}.{result.total % 100:02d}"
    return f"t={stamp}&s={total}&fn={result.fn}&i={result.fd}&fp={result.fp}&n={n}"


@dataclass(frozen=True)
class ShiftState:
    """The register's shift: ``state`` "closed", "opened" or "expired" (over 24 h)."""

    state: str
    number: int
    expires_at: str = ""


@dataclass(frozen=True)
class RegisterHealth:
    """What monitoring shows: shift, paper, fiscal storage and the OFD queue."""

    shift: ShiftState
    paper: bool
    fn_serial: str
    fn_valid_until: str
    fn_warnings: tuple[str, ...] = ()
    unsent_count: int = 0
    unsent_oldest: str = ""
    model: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "shift": {
                "state": self.shift.state,
                "number": self.shift.number,
                "expires_at": self.shift.expires_at,
            },
            "paper": self.paper,
            "fn_serial": self.fn_serial,
            "fn_valid_until": self.fn_valid_until,
            "fn_warnings": list(self.fn_warnings),
            "ofd_unsent": self.unsent_count,
            "ofd_unsent_oldest": self.unsent_oldest or None,
            "model": self.model,
        }


class FiscalRefused(DeviceError):
    """The register refused the operation; nothing was registered.

    ``register_code`` and ``description`` are the register's own; ``code``
    is ours (``fiscal.paper_out``, ``fiscal.shift_expired``, ``fiscal.shift_closed``,
    ``fiscal.shift_open``, ``fiscal.fn_full``, ``fiscal.fn_expired``,
    ``fiscal.sum``, ``fiscal.refused``).
    """

    code = "fiscal.refused"

    def __init__(
        self,
        message: str,
        *,
        register_code: int,
        description: str,
        device: str = "",
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, device=device, code=code, hint=hint)
        self.register_code = register_code
        self.description = description


class FiscalUnknown(DeviceTimeout):
    """No final answer in time: the document may or may not be registered.

    ``request_id`` is the request to ask about (``outcome``) before anything else.
    """

    code = "fiscal.unknown"

    def __init__(self, message: str, *, request_id: str, device: str = "") -> None:
        super().__init__(
            message,
            device=device,
            hint="the till asks the register what became of it; do not register it again",
        )
        self.request_id = request_id


class FiscalRegister(ABC):
    """What the till needs from a fiscal register; every call is bounded by ``timeout``."""

    name: str

    @abstractmethod
    def open(self) -> None:
        """Check the register is reachable; ``DeviceUnavailable`` if not."""

    @abstractmethod
    def close(self) -> None:
        """Release connections. Idempotent."""

    @abstractmethod
    def register(self, receipt: FiscalReceipt, request_id: str, timeout: float) -> FiscalResult:
        """Register a sale or return receipt; its fiscal data, or raises."""

    @abstractmethod
    def open_shift(self, operator: str, request_id: str, timeout: float) -> FiscalResult:
        """Open the register's shift (a fiscal document)."""

    @abstractmethod
    def close_shift(self, operator: str, request_id: str, timeout: float) -> FiscalResult:
        """Close the register's shift (Z report, a fiscal document)."""

    @abstractmethod
    def cash(
        self, direction: str, amount: int, operator: str, request_id: str, timeout: float
    ) -> int:
        """Cash in (``in``) or out (``out``); returns the cash in the drawer by the register."""

    @abstractmethod
    def x_report(self, operator: str, request_id: str, timeout: float) -> None:
        """Print the X report (not a fiscal document)."""

    @abstractmethod
    def outcome(self, request_id: str, timeout: float) -> FiscalResult | None:
        """What became of ``request_id``: its fiscal data, or None if nothing was registered.

        Raises ``FiscalUnknown`` while the register still works on it or cannot tell.
        """

    @abstractmethod
    def finished(self, request_id: str, timeout: float) -> bool:
        """Whether ``request_id`` ran to the end (True) or ended refused (False); for requests
        that make no fiscal document (cash in/out, X report).

        Raises ``FiscalUnknown`` while the register still works on it or cannot tell, and
        ``FiscalRequestUnknown`` (``hw.atol``) when its server has no such request.
        """

    @abstractmethod
    def last_document(self, timeout: float, *, receipt: bool = True) -> FiscalResult:
        """The fiscal data of the last (receipt) document in the fiscal storage."""

    @abstractmethod
    def shift_state(self, timeout: float) -> ShiftState:
        """The register's shift."""

    @abstractmethod
    def health(self, timeout: float) -> RegisterHealth:
        """Shift, paper, fiscal storage and OFD queue, for monitoring."""

    @abstractmethod
    def status(self) -> dict[str, Any]:
        """A small description for status pages (no I/O)."""
