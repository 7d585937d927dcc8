"""EAN check digits and weight/price barcodes printed by store scales.

A scale label carries a barcode in a "restricted circulation" prefix
(20–29 by default) with the item code and either the weight in grams or
the price in kopecks built in. How the digits are laid out is a till
setting, written as a pattern such as ``PPCCCCCWWWWWK``:

====  ==========================================
P     prefix digit
C     item code digit
W     weight digit, grams (thousandths of a kg)
M     money digit, kopecks
K     EAN check digit (last position only)
====  ==========================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ukm_actors.domain.money import Money, Quantity
from ukm_actors.errors import UkmError
from ukm_actors.i18n import _

ValueKind = Literal["weight", "price"]


class BarcodeError(UkmError, ValueError):
    """A barcode that cannot be read: bad length, non-digits, wrong check digit."""

    code = "barcode.invalid"


class BarcodeLayoutError(UkmError, ValueError):
    """A weight barcode layout setting that cannot be used."""

    code = "config.barcode_layout"


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit for ``body`` (any length): weights 3,1,3,… from the right."""
    if not _is_digits(body) or not body:
        raise BarcodeError(_("barcode body {body!r} must be digits only", body=body))
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def ean13_check_digit(first12: str) -> int:
    """The 13th digit of an EAN-13 whose first 12 digits are ``first12``."""
    if len(first12) != 12 or not _is_digits(first12):
        raise BarcodeError(_("EAN-13 body {first12!r} must be exactly 12 digits", first12=first12))
    return gtin_check_digit(first12)


def ean8_check_digit(first7: str) -> int:
    """The 8th digit of an EAN-8 whose first 7 digits are ``first7``."""
    if len(first7) != 7 or not _is_digits(first7):
        raise BarcodeError(_("EAN-8 body {first7!r} must be exactly 7 digits", first7=first7))
    return gtin_check_digit(first7)


def is_valid_ean13(code: str) -> bool:
    """True when ``code`` is 13 digits and its last digit is the right check digit."""
    return len(code) == 13 and _is_digits(code) and gtin_check_digit(code[:12]) == int(code[12])


def is_valid_ean8(code: str) -> bool:
    """True when ``code`` is 8 digits and its last digit is the right check digit."""
    return len(code) == 8 and _is_digits(code) and gtin_check_digit(code[:7]) == int(code[7])


def parse_prefixes(text: str) -> tuple[str, ...]:
    """``"20-29"`` → ``("20", …, "29")``; ``"21,23-25"`` → ``("21", "23", "24", "25")``.

    Every prefix must have the same number of digits; a range keeps that width
    (``"01-03"`` → ``("01", "02", "03")``).
    """
    out: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            raise BarcodeLayoutError(f"weight barcode prefixes {text!r} contain an empty item")
        lo, sep, hi = part.partition("-")
        lo, hi = lo.strip(), (hi.strip() if sep else lo.strip())
        if not (_is_digits(lo) and _is_digits(hi)) or len(lo) != len(hi):
            raise BarcodeLayoutError(
                f"weight barcode prefix {part!r} in {text!r} must be digits or a range "
                f"of equally long digits such as '20-29'"
            )
        if int(lo) > int(hi):
            raise BarcodeLayoutError(f"weight barcode prefix range {part!r} runs backwards")
        out.extend(f"{n:0{len(lo)}d}" for n in range(int(lo), int(hi) + 1))
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class WeightBarcodeLayout:
    """Where the item code and the weight (or price) sit in a scale barcode.

    Positions are 0-based. ``value_kind`` is ``"weight"`` (grams, i.e. a
    quantity in thousandths of a kg) or ``"price"`` (kopecks). When
    ``check_digit`` is set the last digit is an EAN check digit over all the
    digits before it.
    """

    prefixes: tuple[str, ...]
    item_code_start: int
    item_code_length: int
    value_start: int
    value_length: int
    value_kind: ValueKind = "weight"
    check_digit: bool = True
    length: int = 13

    def __post_init__(self) -> None:
        if not self.prefixes:
            raise BarcodeLayoutError("a weight barcode layout needs at least one prefix")
        widths = {len(p) for p in self.prefixes}
        if len(widths) != 1 or not all(_is_digits(p) for p in self.prefixes):
            raise BarcodeLayoutError(
                f"weight barcode prefixes {self.prefixes!r} must be digits of one length"
            )
        if self.value_kind not in ("weight", "price"):
            raise BarcodeLayoutError(
                f"value kind {self.value_kind!r} is unknown; use 'weight' or 'price'"
            )
        width = widths.pop()
        end = self.length - (1 if self.check_digit else 0)
        fields = [
            ("prefix", 0, width),
            ("item code", self.item_code_start, self.item_code_length),
            (self.value_kind, self.value_start, self.value_length),
        ]
        taken: set[int] = set()
        for name, start, size in fields:
            if size < 1 or start < 0 or start + size > end:
                raise BarcodeLayoutError(
                    f"the {name} field (start {start}, {size} digits) does not fit a "
                    f"{self.length}-digit barcode"
                    + (" before its check digit" if self.check_digit else "")
                )
            cells = set(range(start, start + size))
            if cells & taken:
                raise BarcodeLayoutError(f"the {name} field overlaps another field")
            taken |= cells

    @classmethod
    def parse(cls, pattern: str, prefixes: str = "20-29") -> WeightBarcodeLayout:
        """Build a layout from a till setting such as ``"PPCCCCCWWWWWK"``.

        Each letter's positions must be one unbroken run; exactly one of
        ``W`` or ``M`` must appear; ``K``, if present, is the last letter;
        the number of ``P`` letters is the width of each prefix.
        """
        pat = pattern.strip().upper()
        unknown = sorted(set(pat) - set("PCWMK"))
        if unknown:
            raise BarcodeLayoutError(
                f"weight barcode pattern {pattern!r} has unknown letter(s) "
                f"{', '.join(unknown)}; use P (prefix), C (item code), W (weight, grams), "
                f"M (money, kopecks), K (check digit)"
            )
        runs: dict[str, tuple[int, int]] = {}
        for letter in "PCWMK":
            where = [i for i, c in enumerate(pat) if c == letter]
            if not where:
                continue
            if where != list(range(where[0], where[-1] + 1)):
                raise BarcodeLayoutError(
                    f"weight barcode pattern {pattern!r}: the {letter} positions must be together"
                )
            runs[letter] = (where[0], len(where))
        if "P" not in runs or runs["P"][0] != 0:
            raise BarcodeLayoutError(f"weight barcode pattern {pattern!r} must start with P")
        if "C" not in runs:
            raise BarcodeLayoutError(f"weight barcode pattern {pattern!r} has no item code (C)")
        if ("W" in runs) == ("M" in runs):
            raise BarcodeLayoutError(
                f"weight barcode pattern {pattern!r} must have either W (weight) or M (money)"
            )
        if "K" in runs and runs["K"] != (len(pat) - 1, 1):
            raise BarcodeLayoutError(
                f"weight barcode pattern {pattern!r}: K (check digit) must be the one last letter"
            )
        parsed = parse_prefixes(prefixes)
        if any(len(p) != runs["P"][1] for p in parsed):
            raise BarcodeLayoutError(
                f"weight barcode prefixes {prefixes!r} must have {runs['P'][1]} digit(s), "
                f"as many as the P letters in {pattern!r}"
            )
        kind: ValueKind = "weight" if "W" in runs else "price"
        value = runs["W" if "W" in runs else "M"]
        return cls(
            prefixes=parsed,
            item_code_start=runs["C"][0],
            item_code_length=runs["C"][1],
            value_start=value[0],
            value_length=value[1],
            value_kind=kind,
            check_digit="K" in runs,
            length=len(pat),
        )

    def matches_prefix(self, code: str) -> bool:
        """True when ``code`` starts with one of this layout's prefixes."""
        return any(code.startswith(p) for p in self.prefixes)


DEFAULT_WEIGHT_LAYOUT = WeightBarcodeLayout.parse("PPCCCCCWWWWWK", "20-29")
"""The common Russian scale label: prefix 20–29, 5-digit item code, grams, check digit."""


@dataclass(frozen=True)
class WeightBarcode:
    """What a scale barcode says: the item code and its weight or its price."""

    item_code: str
    quantity: Quantity | None
    price: Money | None


def decode_weight_barcode(code: str, layout: WeightBarcodeLayout) -> WeightBarcode | None:
    """Read a scale barcode, or return ``None`` when ``code`` lacks a weight prefix.

    A code with a weight prefix must be a well-formed label: the layout's
    length, digits only, a correct check digit and a non-zero value, or
    ``BarcodeError`` is raised. ``item_code`` keeps its leading zeros.
    """
    code = code.strip()
    if not layout.matches_prefix(code):
        return None
    if len(code) != layout.length:
        raise BarcodeError(
            _(
                "weight barcode {code!r} has {count} digits, the scale layout expects {length}; "
                "scan again or enter the item by code",
                code=code,
                count=len(code),
                length=layout.length,
            ),
        )
    if not _is_digits(code):
        raise BarcodeError(_("weight barcode {code!r} contains non-digits; scan again", code=code))
    if layout.check_digit and gtin_check_digit(code[:-1]) != int(code[-1]):
        raise BarcodeError(
            _(
                "weight barcode {code!r} has a wrong check digit (expected {code2}); the label "
                "is damaged or misread, scan again or enter the item by code",
                code=code,
                code2=gtin_check_digit(code[:-1]),
            ),
        )
    item = code[layout.item_code_start : layout.item_code_start + layout.item_code_length]
    value = int(code[layout.value_start : layout.value_start + layout.value_length])
    if value == 0:
        what = "weight" if layout.value_kind == "weight" else "price"
        raise BarcodeError(
            _(
                "weight barcode {code!r} carries a zero {what}; weigh the item again",
                code=code,
                what=what,
            ),
        )
    if layout.value_kind == "weight":
        return WeightBarcode(item_code=item, quantity=value, price=None)
    return WeightBarcode(item_code=item, quantity=None, price=value)
