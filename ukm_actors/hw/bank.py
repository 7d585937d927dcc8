"""Bank card terminal: the interface the till uses, and a line-protocol driver.

``BankTerminal`` is what the till calls: ``pay``, ``refund``, ``cancel``.
A payment either returns an approved ``CardResult`` or raises:
``CardDeclined`` (the terminal's reason), ``CardCancelled`` (the customer
or the till cancelled), ``DeviceTimeout`` (no answer in time; the driver
has asked the terminal to cancel, but the outcome is not known: look at the
terminal before charging again), ``DeviceUnavailable``.

``LineProtocolTerminal`` speaks the JSON-lines protocol described in
``docs/devices.md`` over any pyserial URL (a serial port, ``socket://`` to a
terminal or its bridge program, ``loop://``).

``cancel()`` is the one method meant to be called while another greenlet
is inside ``pay()``/``refund()`` (the customer pressed "cancel" on the till):
it only writes the cancel request and lets the waiting call read the answer.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from ukm_actors.domain.money import Money, format_money
from ukm_actors.hw._link import LineBuffer, SerialLink, deadline_after, read_line
from ukm_actors.hw.errors import (
    CardCancelled,
    CardDeclined,
    DeviceError,
    DeviceTimeout,
)
from ukm_actors.i18n import _

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
MAX_LINE = 4096


@dataclass(frozen=True)
class CardResult:
    """An answer from the terminal. ``pay``/``refund`` return only approved ones."""

    approved: bool
    rrn: str | None
    auth_code: str = ""
    card_mask: str = ""
    message: str = ""


class BankTerminal(ABC):
    """What the till needs from a card terminal; every call is bounded by a timeout."""

    name: str

    @abstractmethod
    def open(self) -> None:
        """Connect. Raises ``DeviceUnavailable`` if the terminal cannot be reached."""

    @abstractmethod
    def close(self) -> None:
        """Disconnect. Idempotent."""

    @abstractmethod
    def pay(self, amount: Money, receipt_ref: str, timeout: float) -> CardResult:
        """Charge ``amount`` kopecks for receipt ``receipt_ref``; approved or raises."""

    @abstractmethod
    def refund(self, amount: Money, rrn: str, receipt_ref: str, timeout: float) -> CardResult:
        """Return ``amount`` of the payment ``rrn`` to the card; approved or raises."""

    @abstractmethod
    def cancel(self, receipt_ref: str, timeout: float = 5.0) -> None:
        """Abort a payment or refund for ``receipt_ref`` that is still waiting."""

    @abstractmethod
    def status(self) -> dict[str, Any]:
        """A small description for status pages."""

    def __enter__(self) -> BankTerminal:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_amount(amount: Money) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"a card amount must be a positive number of kopecks, not {amount!r}")


class LineProtocolTerminal(BankTerminal):
    """A terminal speaking one JSON object per line (see ``docs/devices.md``)."""

    def __init__(self, url: str, baudrate: int = 9600, *, write_timeout: float = 2.0) -> None:
        self.link = SerialLink(
            url, what="bank terminal", baudrate=baudrate, write_timeout=write_timeout
        )
        self.name = self.link.label
        self._lines = LineBuffer(b"\n", MAX_LINE)
        self._busy = threading.Lock()
        self._pending_ref: str | None = None
        self.garbage = 0
        self.operations = 0

    def open(self) -> None:
        self.link.open()
        self._lines = LineBuffer(b"\n", MAX_LINE)

    def close(self) -> None:
        self.link.close()

    def pay(self, amount: Money, receipt_ref: str, timeout: float) -> CardResult:
        _check_amount(amount)
        request = {"op": "pay", "amount": amount, "ref": receipt_ref}
        what = _(
            "the payment of {amount} for receipt {receipt}",
            amount=format_money(amount),
            receipt=receipt_ref,
        )
        return self._operation(request, what, timeout)

    def refund(self, amount: Money, rrn: str, receipt_ref: str, timeout: float) -> CardResult:
        _check_amount(amount)
        if not rrn:
            raise ValueError("a refund needs the rrn of the card payment it returns")
        request = {"op": "refund", "amount": amount, "rrn": rrn, "ref": receipt_ref}
        what = _(
            "the refund of {amount} (payment {rrn}) for receipt {receipt}",
            amount=format_money(amount),
            rrn=rrn,
            receipt=receipt_ref,
        )
        return self._operation(request, what, timeout)

    def cancel(self, receipt_ref: str, timeout: float = 5.0) -> None:
        request = {"op": "cancel", "ref": receipt_ref}
        if self._pending_ref is not None:
            self._send(self._stamp(request))
            return
        answer = self._exchange(
            self._stamp(request), timeout, _("the cancel of {receipt}", receipt=receipt_ref)
        )
        if answer.get("status") != "ok":
            raise DeviceError(
                _(
                    "{name} refused to cancel {receipt_ref}: {value}",
                    name=self.name,
                    receipt_ref=receipt_ref,
                    value=answer.get("message", ""),
                ),
                device=self.name,
            )

    def is_online(self, timeout: float = 1.0) -> bool:
        """True if the terminal answers a ping within ``timeout`` (False while it is busy)."""
        if not self.link.is_open or self._pending_ref is not None:
            return False
        try:
            answer = self._exchange(self._stamp({"op": "ping"}), timeout, _("a ping"))
        except DeviceError:
            return False
        return answer.get("status") == "ok"

    def status(self) -> dict[str, Any]:
        return {
            "device": self.name,
            "open": self.link.is_open,
            "busy": self._pending_ref is not None,
            "operations": self.operations,
            "garbage_lines": self.garbage,
        }

    def _stamp(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"v": PROTOCOL_VERSION, "id": uuid.uuid4().hex[:16], **request}

    def _send(self, request: dict[str, Any]) -> None:
        line = json.dumps(request, ensure_ascii=True, separators=(",", ":")) + "\n"
        self.link.write(line.encode("ascii"))

    def _operation(self, request: dict[str, Any], what: str, timeout: float) -> CardResult:
        stamped = self._stamp(request)
        try:
            answer = self._exchange(stamped, timeout, what)
        except DeviceTimeout:
            try:
                self._send(self._stamp({"op": "cancel", "ref": request["ref"]}))
            except DeviceError as exc:
                log.warning("%s: could not send a cancel after a timeout: %s", self.name, exc)
            raise
        self.operations += 1
        return self._result(answer, what)

    def _exchange(self, request: dict[str, Any], timeout: float, what: str) -> dict[str, Any]:
        deadline = deadline_after(timeout)
        if not self._busy.acquire(timeout=max(0.0, timeout)):
            raise DeviceError(
                _(
                    "{name} is busy with another operation; {what} was not sent",
                    name=self.name,
                    what=what,
                ),
                device=self.name,
                code="device.busy",
            )
        try:
            self._pending_ref = request.get("ref", "")
            self._send(request)
            while True:
                answer = read_line(self.link, self._lines, deadline, self._decode)
                if answer is None:
                    raise DeviceTimeout(
                        _(
                            "{name} gave no answer to {what} within {timeout:g} s",
                            name=self.name,
                            what=what,
                            timeout=timeout,
                        ),
                        device=self.name,
                        hint=_("look at the terminal's screen before trying again"),
                    )
                if answer.get("id") == request["id"]:
                    return answer
                log.info("%s: ignoring an answer to another request: %s", self.name, answer)
        finally:
            self._pending_ref = None
            self._busy.release()

    def _decode(self, line: bytes) -> dict[str, Any] | None:
        text = line.strip()
        if not text:
            return None
        try:
            message = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError):
            message = None
        if not isinstance(message, dict):
            self.garbage += 1
            log.warning("%s: ignoring a line that is not a JSON object: %r", self.name, text[:80])
            return None
        return message

    def _result(self, answer: dict[str, Any], what: str) -> CardResult:
        status = answer.get("status")
        message = str(answer.get("message") or "")
        if status == "approved":
            return CardResult(
                approved=True,
                rrn=str(answer["rrn"]) if answer.get("rrn") else None,
                auth_code=str(answer.get("auth_code") or ""),
                card_mask=str(answer.get("card_mask") or ""),
                message=message,
            )
        if status == "declined":
            raise CardDeclined(
                _("{what} was declined: {value}", what=what, value=message or "no reason given"),
                reason=message,
                device=self.name,
            )
        if status == "cancelled":
            raise CardCancelled(
                f"{what} was cancelled: {message or 'cancelled'}",
                reason=message or "cancelled",
                device=self.name,
            )
        raise DeviceError(
            _(
                "{name} answered {what} with {status!r}: {message}",
                name=self.name,
                what=what,
                status=status,
                message=message,
            ),
            device=self.name,
            hint=_("check the terminal; the operation may need to be repeated"),
        )
