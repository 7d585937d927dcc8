"""The device actors: printer (and drawer), scanner, scales, customer display, bank terminal."""

from __future__ import annotations

import logging
from typing import Any

import gevent
import gevent.event

from ukm_actors.hw.errors import DeviceError, DeviceUnavailable
from ukm_actors.hw.receipt import PrintableReceipt
from ukm_actors.nodes.till.devices.base import LOST, DeviceActor

log = logging.getLogger(__name__)


class PrinterDevice(DeviceActor):
    """The receipt printer and the cash drawer on its kick-out port."""

    def _verify(self) -> None:
        kind = self.driver.config.kind
        if self.config.verify_online and kind in ("network", "serial"):
            if not self.driver.is_online(timeout=1.0):
                raise DeviceUnavailable(
                    f"{self.label} does not answer (offline, cover open or no paper)",
                    device=self.label,
                    hint="check the printer, then reprint",
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
        return bytes(self.driver.output)

    def check(self) -> None:
        self._verify()

    def quick_status(self) -> dict[str, Any]:
        return {
            "device": self.label,
            "kind": self.driver.config.kind,
            "open": self.driver.is_open,
            "printed": self.driver.printed,
        }


class ScannerDevice(DeviceActor):
    """Reads scans in its own greenlet and hands each one to the sale."""

    POLL = 0.5

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
        flows = self.ctx.services.get("sale_flows")
        if flows is None:
            log.warning("scan %s dropped: the sale is not running", code)
            return
        try:
            flows.scan(code)
        except Exception:
            log.exception("scan %s could not be handled", code)

    def check(self) -> None:
        if not self.driver.link.is_open:
            raise DeviceUnavailable(f"{self.label} is closed", device=self.label)

    def quick_status(self) -> dict[str, Any]:
        return dict(self.driver.status())


class ScalesDevice(DeviceActor):
    """The checkout scales."""

    def read_weight(self, timeout: float) -> int:
        """The settled weight in grams; ``ScalesUnstable`` etc. when it cannot be read."""
        weight = self.guard(self.driver.read_weight, timeout, wait_stable=True)
        return int(weight.quantity)

    def quick_status(self) -> dict[str, Any]:
        return dict(self.driver.status())


class DisplayDevice(DeviceActor):
    """The customer display (2 × 20)."""

    def show(self, line1: str, line2: str = "") -> None:
        self.guard(self.driver.show, line1, line2)

    def clear(self) -> None:
        self.guard(self.driver.clear)

    def quick_status(self) -> dict[str, Any]:
        return dict(self.driver.status())


class BankDevice(DeviceActor):
    """The bank card terminal. A payment runs in its own greenlet, so ``cancel`` gets through.

    ``pay`` and ``refund`` answer at once with an ``AsyncResult`` that the
    caller waits on; they raise at once (``DeviceUnavailable``, ``device.busy``)
    when the request cannot even be sent, so the caller knows no money moved.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._op: tuple[str, gevent.Greenlet] | None = None

    def _start(self, ref: str, fn: Any, *args: Any) -> gevent.event.AsyncResult:
        if not self.driver.link.is_open:
            raise DeviceUnavailable(
                f"{self.label} is not connected", device=self.label, code="device.not_connected"
            )
        if self._op is not None and not self._op[1].dead:
            raise DeviceError(
                f"{self.label} is busy with another payment", device=self.label, code="device.busy"
            )
        result = gevent.event.AsyncResult()

        def run() -> None:
            try:
                result.set(fn(*args))
            except Exception as exc:  # noqa: BLE001 - handed to the waiting caller
                result.set_exception(exc)
                if isinstance(exc, LOST):
                    self._tell_lost(exc)

        greenlet = gevent.spawn(run)
        self._op = (ref, greenlet)
        return result

    def _tell_lost(self, exc: BaseException) -> None:
        try:
            self.actor_ref.proxy().lost(exc)
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
            raise DeviceUnavailable(f"{self.label} does not answer a ping", device=self.label)

    def quick_status(self) -> dict[str, Any]:
        return dict(self.driver.status())


ACTORS: dict[str, type[DeviceActor]] = {
    "printer": PrinterDevice,
    "scanner": ScannerDevice,
    "scales": ScalesDevice,
    "display": DisplayDevice,
    "bank": BankDevice,
}
