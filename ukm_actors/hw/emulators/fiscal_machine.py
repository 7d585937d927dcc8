"""The emulated register behind ``FiscalRegisterEmulator``: its fiscal state and the tasks.

``RegisterMachine.execute(task)`` runs one ATOL JSON task and returns
``(error_code, description, result)``. It keeps what a register keeps in
its fiscal storage: the fiscal document counter, the shift (number, when
it was opened, receipts in it), the cash in the drawer, the documents not
yet sent to the OFD, the last fiscal parameters; ``to_json``/``from_json``
persist it. Refusals use the ATOL driver's error codes (``REFUSALS`` in
``hw.atol``). Money in tasks is decimal roubles (parsed as ``Decimal``);
inside it is integer kopecks.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from ukm_actors.hw.fiscal import MEASURES, PAYMENT_KINDS, TAX_TYPES

OK = (0, "Ошибок нет")
SHIFT_HOURS = 24
Outcome = tuple[int, str, dict[str, Any] | None]


def _kop(value: Any) -> int:
    try:
        return int((Decimal(str(value)) * 100).to_integral_value())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{value!r} is not a sum") from exc


def _money(kop: int) -> float:
    return kop / 100


@dataclass
class RegisterState:
    """Everything the emulated register keeps across restarts."""

    fn: str = "9999078900012345"
    registration_number: str = "0000000001012345"
    fd: int = 0
    shift_number: int = 0
    shift_open: bool = False
    shift_opened_at: float = 0.0
    shift_receipts: int = 0
    cash: int = 0
    fn_capacity: int = 250_000
    fn_valid_until: str = ""
    paper: bool = True
    ofd_online: bool = True
    unsent: list[list[Any]] = field(default_factory=list)
    """``[fd, at]`` of documents not yet sent to the OFD, oldest first."""
    last_receipt: dict[str, Any] | None = None
    last_document: dict[str, Any] | None = None


class RegisterMachine:
    """Runs tasks against a ``RegisterState``; ``clock`` gives the register's time."""

    def __init__(self, state: RegisterState, clock: Callable[[], float]) -> None:
        self.state = state
        self.clock = clock
        self.offline = False
        self.fail_next: list[tuple[int, str]] = []

    # -- helpers ------------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock()).astimezone()

    def _at(self) -> str:
        return self.now().isoformat(timespec="seconds")

    def shift_state(self) -> str:
        s = self.state
        if not s.shift_open:
            return "closed"
        if self.clock() - s.shift_opened_at > SHIFT_HOURS * 3600:
            return "expired"
        return "opened"

    def fiscal_sign(self, fd: int, at: str, total: int, kind: str) -> str:
        key = f"{self.state.fn}:{self.state.registration_number}".encode()
        digest = hmac.new(key, f"{fd}|{at}|{total}|{kind}".encode(), hashlib.sha256).digest()
        return f"{int.from_bytes(digest[:8], 'big') % 10**10:010d}"

    def _document(self, kind: str, total: int, receipt: bool) -> dict[str, Any]:
        s = self.state
        s.fd += 1
        at = self._at()
        params: dict[str, Any] = {
            "fiscalDocumentDateTime": at,
            "fiscalDocumentNumber": s.fd,
            "fiscalDocumentSign": self.fiscal_sign(s.fd, at, total, kind),
            "fnNumber": s.fn,
            "registrationNumber": s.registration_number,
            "shiftNumber": s.shift_number,
            "fnsUrl": "www.nalog.gov.ru",
        }
        if receipt:
            params["fiscalReceiptNumber"] = s.shift_receipts
            params["total"] = _money(total)
            s.last_receipt = params
        s.last_document = params
        s.unsent.append([s.fd, at])
        if s.ofd_online:
            self.send_to_ofd()
        return params

    def send_to_ofd(self) -> None:
        """The OFD took every document waiting (when it is reachable)."""
        self.state.unsent.clear()

    def _warnings(self) -> dict[str, bool]:
        s = self.state
        return {"notPrinted": False, "fnNearlyFull": s.fd >= s.fn_capacity * 0.95}

    def _refuse_fiscal(self) -> tuple[int, str] | None:
        s = self.state
        if s.fd >= s.fn_capacity:
            return 121, "Переполнение ФН"
        if s.fn_valid_until and self.now().date().isoformat() > s.fn_valid_until[:10]:
            return 120, "Исчерпан ресурс ФН"
        if not s.paper:
            return 44, "Нет бумаги"
        return None

    # -- tasks --------------------------------------------------------------------------

    def execute(self, task: Any) -> Outcome:
        """Run one task: ``(errorCode, errorDescription, result or None)``."""
        if self.offline:
            return 2, "Нет связи", None
        if not isinstance(task, dict) or not isinstance(task.get("type"), str):
            return 26, "Неверный формат команды: нет поля type", None
        kind = task["type"]
        handler = self.HANDLERS.get(kind)
        if handler is None:
            return 10, f"Не поддерживается в данной версии: {kind}", None
        if self.fail_next and kind in FISCAL_TASKS:
            code, text = self.fail_next.pop(0)
            return code, text, None
        try:
            return handler(self, task)
        except (KeyError, TypeError, ValueError) as exc:
            return 9, f"Неверный параметр: {exc}", None

    def _open_shift(self, task: dict[str, Any]) -> Outcome:
        s = self.state
        if s.shift_open:
            return 83, "Смена открыта - операция невозможна", None
        refused = self._refuse_fiscal()
        if refused:
            return (*refused, None)
        s.shift_number += 1
        s.shift_open, s.shift_opened_at, s.shift_receipts = True, self.clock(), 0
        params = self._document("openShift", 0, receipt=False)
        return (*OK, {"fiscalParams": params, "warnings": self._warnings()})

    def _close_shift(self, task: dict[str, Any]) -> Outcome:
        s = self.state
        if not s.shift_open:
            return 73, "Смена закрыта - операция невозможна", None
        refused = self._refuse_fiscal()
        if refused:
            return (*refused, None)
        params = self._document("closeShift", 0, receipt=False)
        params["receiptsCount"] = s.shift_receipts
        s.shift_open = False
        return (*OK, {"fiscalParams": params, "warnings": self._warnings()})

    def _need_open_shift(self) -> tuple[int, str] | None:
        state = self.shift_state()
        if state == "closed":
            return 73, "Смена закрыта - операция невозможна"
        if state == "expired":
            return 68, "Смена превысила 24 часа"
        return None

    def _receipt(self, task: dict[str, Any]) -> Outcome:
        refused = self._need_open_shift() or self._refuse_fiscal()
        if refused:
            return (*refused, None)
        checked = check_receipt(task)
        if isinstance(checked, tuple):
            return (*checked, None)
        total, cash, non_cash = checked.total, checked.cash, checked.non_cash
        change = cash + non_cash - total
        s = self.state
        if task["type"] == "sellReturn" and cash - change > s.cash:
            return 80, "Не хватает наличности в кассе", None
        s.shift_receipts += 1
        drawer = cash - change
        s.cash += drawer if task["type"] == "sell" else -drawer
        params = self._document(task["type"], total, receipt=True)
        return (*OK, {"fiscalParams": params, "warnings": self._warnings()})

    def _cash(self, task: dict[str, Any]) -> Outcome:
        refused = self._need_open_shift()
        if refused:
            return (*refused, None)
        amount = _kop(task["cashSum"])
        if amount <= 0:
            return 9, "Неверный параметр: cashSum", None
        if not self.state.paper:
            return 44, "Нет бумаги", None
        if task["type"] == "cashOut":
            if amount > self.state.cash:
                return 80, "Не хватает наличности в кассе", None
            amount = -amount
        self.state.cash += amount
        return (*OK, {"counters": {"cashSum": _money(self.state.cash)}})

    def _report_x(self, task: dict[str, Any]) -> Outcome:
        if not self.state.paper:
            return 44, "Нет бумаги", None
        return (*OK, {})

    def _shift_status(self, task: dict[str, Any]) -> Outcome:
        s = self.state
        expires = ""
        if s.shift_open:
            at = datetime.fromtimestamp(s.shift_opened_at).astimezone()
            expires = (at + timedelta(hours=SHIFT_HOURS)).isoformat(timespec="seconds")
        status = {
            "state": self.shift_state(),
            "number": s.shift_number,
            "expiredTime": expires,
            "documentsCount": s.shift_receipts,
        }
        return (*OK, {"shiftStatus": status})

    def _device_status(self, task: dict[str, Any]) -> Outcome:
        s = self.state
        status = {
            "paperPresent": s.paper,
            "coverOpened": False,
            "blocked": False,
            "fiscal": True,
            "fnFiscal": True,
            "fnPresent": True,
            "shift": self.shift_state(),
            "modelName": "АТОЛ 30Ф (emulator)",
            "serial": "00106900000001",
            "currentDateTime": self._at(),
        }
        return (*OK, {"deviceStatus": status})

    def _fn_info(self, task: dict[str, Any]) -> Outcome:
        s = self.state
        days_left = 9999
        if s.fn_valid_until:
            until = datetime.fromisoformat(s.fn_valid_until[:10]).date()
            days_left = (until - self.now().date()).days
        info = {
            "serial": s.fn,
            "validityDate": s.fn_valid_until,
            "livePhase": "fiscalMode",
            "ffdVersion": "1.2",
            "warnings": {
                "criticalError": False,
                "memoryOverflow": s.fd >= s.fn_capacity * 0.95,
                "resourceExhausted": s.fd >= s.fn_capacity,
                "needReplacement": days_left <= 30,
                "ofdTimeout": bool(s.unsent) and self._oldest_unsent_days() >= 1,
            },
        }
        return (*OK, {"fnInfo": info})

    def _oldest_unsent_days(self) -> float:
        if not self.state.unsent:
            return 0.0
        oldest = datetime.fromisoformat(str(self.state.unsent[0][1]))
        return (self.now() - oldest).total_seconds() / 86400

    def _ofd_status(self, task: dict[str, Any]) -> Outcome:
        unsent = self.state.unsent
        status = {
            "notSentCount": len(unsent),
            "notSentFirstDocNumber": unsent[0][0] if unsent else 0,
            "notSentFirstDocDateTime": unsent[0][1] if unsent else "",
        }
        return (*OK, {"status": status})

    def _last_params(self, task: dict[str, Any]) -> Outcome:
        params = self.state.last_receipt if task.get("forReceipt") else self.state.last_document
        if params is None:
            return 232, "Документы не найдены", None
        return (*OK, {"fiscalParams": dict(params)})

    HANDLERS: dict[str, Callable[[RegisterMachine, dict[str, Any]], Outcome]] = {
        "openShift": _open_shift,
        "closeShift": _close_shift,
        "sell": _receipt,
        "sellReturn": _receipt,
        "cashIn": _cash,
        "cashOut": _cash,
        "reportX": _report_x,
        "getShiftStatus": _shift_status,
        "getDeviceStatus": _device_status,
        "getFnInfo": _fn_info,
        "ofdExchangeStatus": _ofd_status,
        "getLastFiscalParams": _last_params,
    }

    def to_json(self) -> dict[str, Any]:
        return asdict(self.state)


FISCAL_TASKS = ("openShift", "closeShift", "sell", "sellReturn", "cashIn", "cashOut", "reportX")


@dataclass(frozen=True)
class Sums:
    """A checked receipt's total and its cash and non-cash payments, in kopecks."""

    total: int
    cash: int
    non_cash: int


def check_receipt(task: dict[str, Any]) -> Sums | tuple[int, str]:
    """The sums of a sale/return task, or ``(errorCode, description)``."""
    items = task.get("items")
    if not isinstance(items, list) or not items:
        return 9, "Неверный параметр: в чеке нет позиций"
    total = 0
    for n, item in enumerate(items, 1):
        price, amount = _kop(item["price"]), _kop(item["amount"])
        quantity = Decimal(str(item["quantity"]))
        if price < 0 or amount < 0 or quantity <= 0:
            return 9, f"Неверный параметр: позиция {n}"
        if amount > (Decimal(price) * quantity).to_integral_value():
            return 227, f"Неверная сумма позиции {n}"
        if (item.get("tax") or {}).get("type") not in TAX_TYPES:
            return 144, f"Неверный тип налога в позиции {n}"
        if item.get("measurementUnit", "piece") not in MEASURES:
            return 49, f"Неверная единица измерения в позиции {n}"
        total += amount
    if "total" in task and _kop(task["total"]) != total:
        return 227, "Неверная сумма чека: итог не равен сумме позиций"
    cash = non_cash = 0
    for p in task.get("payments") or []:
        if p.get("type") not in PAYMENT_KINDS:
            return 60, f"Неверный тип оплаты {p.get('type')!r}"
        if p["type"] == "cash":
            cash += _kop(p["sum"])
        else:
            non_cash += _kop(p["sum"])
    if non_cash > total:
        return 52, "Сумма неналичных оплат превышает сумму чека"
    if cash + non_cash < total:
        return 66, "Чек оплачен не полностью"
    return Sums(total, cash, non_cash)
