"""The device actors: printer (and drawer), scanner, scales, display, bank terminal, register."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

import gevent
import gevent.event

from ukm_actors.hw.atol import AtolWebRegister
from ukm_actors.hw.bank import CardResult, LineProtocolTerminal
from ukm_actors.hw.display import CustomerDisplay
from ukm_actors.hw.errors import DeviceError, DeviceUnavailable
from ukm_actors.hw.factory import build_device
from ukm_actors.hw.fiscal import FiscalReceipt, FiscalResult, RegisterHealth, ShiftState
from ukm_actors.hw.printer import ReceiptPrinter
from ukm_actors.hw.receipt import PrintableReceipt
from ukm_actors.hw.scales import Scales
from ukm_actors.hw.scanner import BarcodeScanner
from ukm_actors.i18n import _
from ukm_actors.nodes.till.devices.base import LOST, DeviceActor

if TYPE_CHECKING:
    from ukm_actors.nodes.till.devices.proxies import DeviceProxy

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class PrinterDevice(DeviceActor[ReceiptPrinter]):
    """The receipt printer and the cash drawer on its kick-out port."""

    def build(self) -> ReceiptPrinter:
        return build_device("printer", self.config.settings)

    def _verify(self) -> None:
        kind = self.driver.config.kind
        if self.config.verify_online and kind in ("network", "serial"):
            if not self.driver.is_online(timeout=1.0):
                raise DeviceUnavailable(
                    _(
                        "{label} does not answer (offline, cover open or no paper)",
                        label=self.label,
                    ),
                    device=self.label,
                    hint=_("check the printer, then reprint"),
                )

    def print_document(self, doc: PrintableReceipt) -> None:
        """Print a receipt, report or slip; a printer that is not there raises ``DeviceError``."""
        self.guard(self._verify)
        self.guard(self.driver.print_receipt, doc)

    def kick_drawer(self) -> None:
        """Open the cash drawer."""
        self.guard(self.driver.kick_drawer)

    def output(self) -> bytes:
        """Everything sent so far (dummy printers only)."""
        return self.driver.output

    def check(self) -> None:
        self._verify()

    def quick_status(self) -> dict[str, Any]:
        return {
            "device": self.label,
            "kind": self.driver.config.kind,
            "open": self.driver.is_open,
            "printed": self.driver.printed,
        }


class ScannerDevice(DeviceActor[BarcodeScanner]):
    """Reads scans in its own greenlet and hands each one to the sale."""

    POLL = 0.5

    def build(self) -> BarcodeScanner:
        return build_device("scanner", self.config.settings)

    def opened(self) -> None:
        self._reader = gevent.spawn(self._read_loop)

    def closing(self) -> None:
        reader = getattr(self, "_reader", None)
        if reader is not None:
            reader.kill(block=False)

    def _read_loop(self) -> None:
        driver = self.driver
        while True:
            try:
                code = driver.read_barcode(self.POLL)
            except DeviceError as exc:
                log.warning("%s: %s", self.label, exc)
                self.lost(exc)
                return
            if code is None:
                continue
            gevent.spawn(self._deliver, code)

    def _deliver(self, code: str) -> None:
        if not self.ctx.services.is_set("sale_flows"):
            log.warning("scan %s dropped: the sale is not running", code)
            return
        try:
            self.ctx.services.sale_flows.scan(code)
        except Exception:
            log.exception("scan %s could not be handled", code)

    def check(self) -> None:
        if not self.driver.link.is_open:
            raise DeviceUnavailable(_("{label} is closed", label=self.label), device=self.label)

    def quick_status(self) -> dict[str, Any]:
        return dict(self.driver.status())


class ScalesDevice(DeviceActor[Scales]):
    """The checkout scales."""

    def build(self) -> Scales:
        return build_device("scales", self.config.settings)

    def read_weight(self, timeout: float) -> int:
        """The settled weight in grams; ``ScalesUnstable`` etc. when it cannot be read."""
        weight = self.guard(self.driver.read_weight, timeout, wait_stable=True)
        return int(weight.quantity)

    def quick_status(self) -> dict[str, Any]:
        return dict(self.driver.status())


class DisplayDevice(DeviceActor[CustomerDisplay]):
    """The customer display (2 × 20)."""

    def build(self) -> CustomerDisplay:
        return build_device("display", self.config.settings)

    def show(self, line1: str, line2: str = "") -> None:
        self.guard(self.driver.show, line1, line2)

    def clear(self) -> None:
        self.guard(self.driver.clear)

    def quick_status(self) -> dict[str, Any]:
        return dict(self.driver.status())


class BankDevice(DeviceActor[LineProtocolTerminal]):
    """The bank card terminal. A payment runs in its own greenlet, so ``cancel`` gets through.

    ``pay`` and ``refund`` answer at once with an ``AsyncResult`` that the
    caller waits on; they raise at once (``DeviceUnavailable``, ``device.busy``)
    when the request cannot even be sent, so the caller knows no money moved.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._op: tuple[str, gevent.Greenlet] | None = None

    def build(self) -> LineProtocolTerminal:
        return build_device("bank", self.config.settings)

    def _start(
        self, ref: str, fn: Callable[P, CardResult], *args: P.args, **kwargs: P.kwargs
    ) -> gevent.event.AsyncResult:
        if not self.driver.link.is_open:
            raise DeviceUnavailable(
                _("{label} is not connected", label=self.label),
                device=self.label,
                code="device.not_connected",
            )
        if self._op is not None and not self._op[1].dead:
            raise DeviceError(
                _("{label} is busy with another payment", label=self.label),
                device=self.label,
                code="device.busy",
            )
        result = gevent.event.AsyncResult()

        def run() -> None:
            try:
                result.set(fn(*args, **kwargs))
            except Exception as exc:  # noqa: BLE001 - handed to the waiting caller
                result.set_exception(exc)
                if isinstance(exc, LOST):
                    self._tell_lost(exc)

        greenlet = gevent.spawn(run)
        self._op = (ref, greenlet)
        return result

    def _tell_lost(self, exc: BaseException) -> None:
        try:
            cast("DeviceProxy", self.actor_ref.proxy()).lost(exc)
        except Exception:  # noqa: BLE001, S110 - already stopping
            pass

    def pay(self, amount: int, ref: str, timeout: float) -> gevent.event.AsyncResult:
        """Start a payment; the result is a ``CardResult`` or the driver's error."""
        return self._start(ref, self.driver.pay, amount, ref, timeout)

    def refund(self, amount: int, rrn: str, ref: str, timeout: float) -> gevent.event.AsyncResult:
        """Start a refund of the payment ``rrn``."""
        return self._start(ref, self.driver.refund, amount, rrn, ref, timeout)

    def cancel(self, ref: str) -> bool:
        """Ask the terminal to abort the operation for ``ref``; False if none is running."""
        if self._op is None or self._op[1].dead or self._op[0] != ref:
            return False
        self.driver.cancel(ref)
        return True

    def busy(self) -> bool:
        return self._op is not None and not self._op[1].dead

    def check(self) -> None:
        if self.busy():
            return
        if not self.driver.is_online(timeout=2.0):
            raise DeviceUnavailable(
                _("{label} does not answer a ping", label=self.label), device=self.label
            )

    def quick_status(self) -> dict[str, Any]:
        return dict(self.driver.status())


class FiscalDevice(DeviceActor[AtolWebRegister]):
    """The fiscal register. Calls wait for the register (a receipt prints for 1–3 s).

    Only a register that cannot be reached (``DeviceUnavailable``) restarts
    the actor; a refusal or an unknown outcome is the caller's to handle.
    The health check keeps the last ``RegisterHealth`` for ``/status``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_health: RegisterHealth | None = None
        self.health_error: str | None = None
        self.busy_since: float | None = None

    def build(self) -> AtolWebRegister:
        return build_device("fiscal", self.config.settings)

    def _call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        self.busy_since = time.monotonic()
        try:
            return fn(*args, **kwargs)
        except DeviceUnavailable as exc:
            self.lost(exc)
            raise
        finally:
            self.busy_since = None

    @property
    def timeout(self) -> float:
        return float(self.driver.timeout)

    def register(self, receipt: FiscalReceipt, request_id: str) -> FiscalResult:
        return self._call(self.driver.register, receipt, request_id, self.timeout)

    def open_shift(self, operator: str, request_id: str) -> FiscalResult:
        return self._call(self.driver.open_shift, operator, request_id, self.timeout)

    def close_shift(self, operator: str, request_id: str) -> FiscalResult:
        return self._call(self.driver.close_shift, operator, request_id, self.timeout)

    def cash(self, direction: str, amount: int, operator: str, request_id: str) -> int:
        return int(
            self._call(self.driver.cash, direction, amount, operator, request_id, self.timeout)
        )

    def x_report(self, operator: str, request_id: str) -> None:
        self._call(self.driver.x_report, operator, request_id, self.timeout)

    def outcome(self, request_id: str) -> FiscalResult | None:
        return self._call(self.driver.outcome, request_id, 5.0)

    def finished(self, request_id: str) -> bool:
        return bool(self._call(self.driver.finished, request_id, 5.0))

    def last_document(self) -> FiscalResult:
        return self._call(self.driver.last_document, 5.0)

    def shift_state(self) -> ShiftState:
        return self._call(self.driver.shift_state, 5.0)

    def health(self) -> RegisterHealth:
        """Ask the register now (and keep the answer for ``/status``)."""
        self.last_health = self._call(self.driver.health, 5.0)
        self.health_error = None
        return self.last_health

    def check(self) -> None:
        try:
            self.health()
        except DeviceUnavailable:
            raise
        except DeviceError as exc:
            self.health_error = str(exc)

    def quick_status(self) -> dict[str, Any]:
        out = dict(self.driver.status())
        out["health"] = None if self.last_health is None else self.last_health.to_json()
        out["health_error"] = self.health_error
        out["busy_for"] = (
            None if self.busy_since is None else round(time.monotonic() - self.busy_since, 2)
        )
        return out


ACTORS: dict[str, type[DeviceActor[Any]]] = {
    "printer": PrinterDevice,
    "scanner": ScannerDevice,
    "scales": ScalesDevice,
    "display": DisplayDevice,
    "bank": BankDevice,
    "fiscal": FiscalDevice,
}
