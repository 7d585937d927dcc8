"""Weighed or counted: deciding how an item is sold from what the trade system sends.

The vendor documents the element ``<measprec>`` but not its meaning: its own
example pairs ``шт`` with ``1``, an open-source connector writes ``2`` for
every item, and ``0`` is natural for piece goods if it means decimal places.
So the value is kept as received and only the *unit* (``<measure>``, which
is documented) decides by default; a configured rule may read ``measprec``
too:

- ``ignore`` (default): measprec is not used; weighed = the unit is one of
  the weighed units; a weighed item's step is 0.001, others 1;
- ``step``: measprec is the smallest quantity step (``1`` whole units,
  ``0.001`` grams, ``0.5`` halves); a step below 1 also makes the item weighed;
- ``decimals``: measprec is the number of decimal places (``0`` whole units,
  ``3`` grams); more than 0 also makes the item weighed, step 10^-n.

A value the rule cannot read (``abc``, ``-1``, ``0`` as a step) is not used
for that item; the loader reports it. Quantities are thousandths.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ukm_actors.domain.money import ONE, Quantity

RULES = ("ignore", "step", "decimals")
"""The ways ``measprec`` can be read (``[server] import_measprec``)."""

DEFAULT_WEIGHED_UNITS = ("кг", "kg")
"""Units whose items are weighed unless configured otherwise (``[server] weighed_units``)."""

GRAM: Quantity = 1
"""The step of a weighed item: one thousandth of its unit."""

_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def unit_key(measure: str) -> str:
    """How units are compared: trimmed, lower case, without a final dot (``"Кг."`` → ``"кг"``)."""
    return measure.strip().lower().rstrip(".").strip()


@dataclass(frozen=True)
class SaleUnit:
    """How an item is sold: ``weighed`` (the till reads the scales), its quantity ``step``
    in thousandths, and ``unread`` when the rule could not read ``measprec``."""

    weighed: bool
    step: Quantity
    unread: bool = False


@dataclass(frozen=True)
class WeighRule:
    """The configured rule (see the module docstring)."""

    units: frozenset[str]
    measprec: str = "ignore"

    @classmethod
    def of(cls, units: Iterable[str], measprec: str = "ignore") -> WeighRule:
        if measprec not in RULES:
            raise ValueError(f"measprec rule {measprec!r} is not one of {', '.join(RULES)}")
        return cls(frozenset(unit_key(u) for u in units), measprec)

    def describe(self) -> str:
        """One line for reports: what decides "weighed"."""
        units = ", ".join(sorted(self.units)) or "none"
        reading = {
            "ignore": "measprec kept as received, not used",
            "step": "measprec read as the quantity step (below 1 = weighed)",
            "decimals": "measprec read as decimal places (above 0 = weighed)",
        }[self.measprec]
        return f"weighed = unit in ({units}); {reading}"

    def decide(self, measure: str, measprec: str | None) -> SaleUnit:
        """How an item with this unit and this ``<measprec>`` text is sold."""
        by_unit = unit_key(measure) in self.units
        if self.measprec == "ignore" or measprec is None:
            return SaleUnit(by_unit, GRAM if by_unit else ONE)
        text = measprec.strip()
        if not _NUMBER.match(text):
            return SaleUnit(by_unit, GRAM if by_unit else ONE, unread=True)
        if self.measprec == "step":
            return _by_step(text, by_unit)
        return _by_decimals(text, by_unit)


def _by_step(text: str, by_unit: bool) -> SaleUnit:
    whole, _, frac = text.partition(".")
    if len(frac.rstrip("0")) > 3:
        return SaleUnit(by_unit, GRAM if by_unit else ONE, unread=True)
    step = int(whole) * ONE + int((frac + "000")[:3])
    if step <= 0:
        return SaleUnit(by_unit, GRAM if by_unit else ONE, unread=True)
    if step < ONE:
        return SaleUnit(True, step)
    return SaleUnit(by_unit, GRAM if by_unit else step)


def _by_decimals(text: str, by_unit: bool) -> SaleUnit:
    if "." in text and text.split(".")[1].strip("0"):
        return SaleUnit(by_unit, GRAM if by_unit else ONE, unread=True)
    places = int(text.split(".")[0])
    if places == 0:
        return SaleUnit(by_unit, GRAM if by_unit else ONE)
    return SaleUnit(True, 10 ** max(0, 3 - places))
