"""Checkout scales speaking the Mettler Toledo 8217 protocol.

The 8217 protocol is the de facto standard between POS software and
checkout scales and scanner-scales (Mettler Toledo, Datalogic Magellan,
Zebra/Symbol, Bizerba, CAS and Shtrih-M models have an "8217" or
"Toledo" mode). It is request-response, ASCII, 9600 baud 7E1:

    host  → scale   ``W``                      (0x57) request the weight
    scale → host    ``STX 01.234 CR``          stable gross weight, kilograms
                    ``STX 01.234N CR``         stable net weight (a tare is set)
                    ``STX ? s CR``             no weight: status byte ``s``

``STX`` is 0x02 and ``CR`` 0x0D. The weight field is always 6 characters
(5 digits and the decimal point), leading zeros kept: ``00.350`` is 350 g.
A scale set to pounds sends ``WW.WW`` / ``0WW.WW`` (two decimals), which we
refuse. The status byte's bits (bit 7 is the even-parity bit on the wire
and is ignored):

    bit 0  1 = scale in motion            bit 4  1 = at centre of zero
    bit 1  1 = over capacity              bit 5  1 = net weight
    bit 2  1 = under zero                 bit 6  always 1
    bit 3  1 = outside zero capture range

The scale answers with a status byte instead of a weight while the load
is moving, below zero, or over capacity. Any other command letter is
answered ``STX ? s CR`` as well ("unrecognized command").
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from ukm_actors.domain.money import Quantity, format_quantity
from ukm_actors.hw._link import SerialDevice, SerialLink, deadline_after, time_left
from ukm_actors.hw.errors import (
    DeviceError,
    DeviceTimeout,
    ScalesOverload,
    ScalesUnderZero,
    ScalesUnstable,
)
from ukm_actors.i18n import _

STX = 0x02
CR = 0x0D
REQUEST_WEIGHT = b"W"

MOTION = 0x01
OVER_CAPACITY = 0x02
UNDER_ZERO = 0x04
OUTSIDE_ZERO_RANGE = 0x08
CENTER_OF_ZERO = 0x10
NET = 0x20
ALWAYS_ONE = 0x40

PROTOCOLS = ("toledo8217",)
POLL_INTERVAL = 0.1

_KG = re.compile(rb"^(\d{2,3})\.(\d{3})(N?)$")
_LB = re.compile(rb"^\d{2,3}\.\d{2}N?$")


@dataclass(frozen=True)
class Weight:
    """A weight read from the scales: ``quantity`` in grams (thousandths of a kg)."""

    quantity: Quantity
    stable: bool
    net: bool = False

    def __str__(self) -> str:
        return f"{format_quantity(self.quantity)} kg"


def status_byte(*, motion: bool = False, over: bool = False, under: bool = False) -> int:
    """The 8217 status byte for the given conditions (bit 6 set, parity bit clear)."""
    value = ALWAYS_ONE
    if motion:
        value |= MOTION
    if over:
        value |= OVER_CAPACITY
    if under:
        value |= UNDER_ZERO
    return value


def parse_toledo_reply(payload: bytes, device: str = "scales") -> Weight:
    """Decode one answer to ``W`` (the bytes between STX and CR) into a ``Weight``.

    Raises ``ScalesUnstable`` (motion), ``ScalesOverload``, ``ScalesUnderZero``,
    or ``DeviceError`` (code ``scales.units`` for pounds, ``scales.protocol``
    for anything that is not an 8217 answer).
    """
    if payload.startswith(b"?") and len(payload) == 2:
        status = payload[1] & 0x7F
        if status & OVER_CAPACITY:
            raise ScalesOverload(
                _("{device}: the load is over capacity", device=device),
                device=device,
                hint=_("take the item off and weigh a smaller load"),
            )
        if status & UNDER_ZERO:
            raise ScalesUnderZero(
                _("{device} read below zero", device=device),
                device=device,
                hint=_("empty the platter and zero the scales"),
            )
        if status & MOTION:
            raise ScalesUnstable(
                _("{device} report motion", device=device),
                device=device,
                hint=_("wait until the item lies still on the platter"),
            )
        raise DeviceError(
            _(
                "{device} answered with status 0x{status:02x} and no weight",
                device=device,
                status=status,
            ),
            device=device,
            code="scales.protocol",
            hint=_("check that the scales are in Toledo 8217 mode"),
        )
    match = _KG.match(payload)
    if match is not None:
        whole, frac, net = match.groups()
        grams = int(whole) * 1000 + int(frac)
        return Weight(quantity=grams, stable=True, net=bool(net))
    if _LB.match(payload):
        raise DeviceError(
            _("{device} send pounds ({value})", device=device, value=payload.decode("ascii")),
            device=device,
            code="scales.units",
            hint=_("switch the scales to kilograms"),
        )
    raise DeviceError(
        _(
            "{device} sent {payload!r}, which is not a Toledo 8217 answer",
            device=device,
            payload=payload,
        ),
        device=device,
        code="scales.protocol",
        hint=_("check that the scales are in Toledo 8217 mode and the port settings (9600 7E1)"),
    )


class Scales(SerialDevice):
    """Scales on ``url`` (``/dev/ttyS0``, ``socket://host:port``); one request per read.

    Serial framing defaults to the 8217 standard 9600 baud, 7 data bits,
    even parity; socket and loop ports ignore it.
    """

    def __init__(
        self,
        url: str,
        baudrate: int = 9600,
        protocol: str = "toledo8217",
        *,
        bytesize: int = 7,
        parity: str = "E",
        write_timeout: float = 1.0,
    ) -> None:
        if protocol not in PROTOCOLS:
            raise DeviceError(
                _(
                    "scales on {url}: protocol {protocol!r} is not supported; allowed: {PROTOCOLS}",
                    url=url,
                    protocol=protocol,
                    PROTOCOLS=", ".join(PROTOCOLS),
                ),
                device=f"scales on {url}",
            )
        self.protocol = protocol
        self.link = SerialLink(
            url,
            what="scales",
            baudrate=baudrate,
            bytesize=bytesize,
            parity=parity,
            write_timeout=write_timeout,
        )
        self.last: Weight | None = None

    def read_weight(self, timeout: float, *, wait_stable: bool = False) -> Weight:
        """Ask for the weight and return it; never waits more than ``timeout`` seconds.

        With ``wait_stable`` the scales are asked again every 0.1 s while they
        report motion, until ``timeout``. Raises ``DeviceTimeout`` if they do
        not answer, ``ScalesUnstable`` if they still report motion,
        ``ScalesOverload`` / ``ScalesUnderZero``, or ``DeviceError``.
        """
        deadline = deadline_after(timeout)
        while True:
            try:
                weight = self._request(deadline, timeout)
            except ScalesUnstable:
                if not wait_stable or time_left(deadline) <= POLL_INTERVAL:
                    raise
                time.sleep(POLL_INTERVAL)
                continue
            self.last = weight
            return weight

    def _request(self, deadline: float, timeout: float) -> Weight:
        self.link.discard_input()
        self.link.write(REQUEST_WEIGHT, timeout=max(0.05, time_left(deadline)))
        frame = bytearray()
        started = False
        while True:
            data = self.link.read_some(deadline)
            if not data:
                raise DeviceTimeout(
                    _(
                        "{name} did not answer the weight request within {timeout:g} s",
                        name=self.name,
                        timeout=timeout,
                    ),
                    device=self.name,
                    hint=_(
                        "check the cable and power, and that the scales are in Toledo 8217 mode"
                    ),
                )
            for byte in data:
                byte &= 0x7F
                if byte == STX:
                    frame.clear()
                    started = True
                elif not started:
                    continue
                elif byte == CR:
                    return parse_toledo_reply(bytes(frame), self.name)
                else:
                    frame.append(byte)
                    if len(frame) > 16:
                        started = False
                        frame.clear()

    def status(self) -> dict[str, Any]:
        """``{"device", "protocol", "open", "last_weight"}`` (last weight in grams or None)."""
        return {
            "device": self.name,
            "protocol": self.protocol,
            "open": self.link.is_open,
            "last_weight": None if self.last is None else self.last.quantity,
        }
