"""Money and quantities as integers.

Money is kopecks (``int``), quantity is thousandths of a unit (``int``): 1 piece
is 1000, 0.350 kg is 350. Text forms use a decimal point, never a comma
(UKM exchange rule). Parsing is exact: a value with more decimals than the
field allows is refused, not rounded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ukm_actors.errors import UkmError
from ukm_actors.i18n import Text, _

Money = int
"""An amount in kopecks."""

Quantity = int
"""A quantity in thousandths of the item's unit."""

ONE: Quantity = 1000
"""One whole unit, as a quantity."""

MAX_QUANTITY: Quantity = 99_999_999
"""Largest quantity of one line: 99 999.999 units."""
MAX_PRICE: Money = 9_999_999_999
"""Largest unit price: 99 999 999.99."""
MAX_AMOUNT: Money = 99_999_999_999
"""Largest amount of money in one line, payment or cash move: 999 999 999.99."""
MAX_COUNT = 999_999_999
"""Largest count or number given to an API (a position, a job id, a page)."""

_DECIMAL = re.compile(r"^(?P<sign>-)?(?P<int>\d+)(?:\.(?P<frac>\d*))?$")


class AmountFormatError(UkmError, ValueError):
    """A money or quantity text that is not a plain decimal number."""

    code = "format.amount"


def _subject(what: str, text: str) -> Text:
    """``amount '89,90'`` (or only ``'89,90'`` when ``what`` is empty)."""
    if what:
        return _("{what} {value}", what=what, value=repr(text))
    return _("{value}", value=repr(text))


def _parse_fixed(text: str, places: int, what: str, allow_negative: bool) -> int:
    raw = text.strip()
    m = _DECIMAL.match(raw)
    if m is None:
        if "," in raw:
            raise AmountFormatError(
                _(
                    "{subject} uses a comma; write a decimal point, e.g. {fixed}",
                    subject=_subject(what, text),
                    fixed=repr(raw.replace(",", ".")),
                )
            )
        raise AmountFormatError(
            _("{subject} is not a decimal number", subject=_subject(what, text))
        )
    frac = m.group("frac") or ""
    scale: int = 10**places
    if len(frac) > places:
        raise AmountFormatError(
            _(
                "{subject} has {n} decimals; at most {places} are allowed",
                subject=_subject(what, text),
                n=len(frac),
                places=places,
            )
        )
    value = int(m.group("int")) * scale + int((frac + "0" * places)[:places] or "0")
    if m.group("sign"):
        if not allow_negative:
            raise AmountFormatError(
                _("{subject} is negative; it must be 0 or more", subject=_subject(what, text))
            )
        value = -value
    return value


def parse_money(text: str, *, allow_negative: bool = False, what: str = _("amount")) -> Money:
    """``"89.90"`` → ``8990``. At most 2 decimals; negative only when allowed."""
    return _parse_fixed(text, 2, what, allow_negative)


def parse_quantity(
    text: str, *, allow_negative: bool = False, what: str = _("quantity")
) -> Quantity:
    """``"0.350"`` → ``350``; ``"6"`` → ``6000``. At most 3 decimals."""
    return _parse_fixed(text, 3, what, allow_negative)


def _format_fixed(value: int, places: int) -> str:
    sign = "-" if value < 0 else ""
    scale: int = 10**places
    whole, frac = divmod(abs(value), scale)
    return f"{sign}{whole}.{frac:0{places}d}"


def format_money(value: Money) -> str:
    """``8990`` → ``"89.90"``; ``-50`` → ``"-0.50"``."""
    return _format_fixed(value, 2)


def format_quantity(value: Quantity) -> str:
    """``6000`` → ``"6.000"``; ``350`` → ``"0.350"``."""
    return _format_fixed(value, 3)


def round_div(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero (commercial rounding)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def line_amount(price: Money, quantity: Quantity) -> Money:
    """The amount of a line: price per unit × quantity, rounded to the kopeck."""
    return round_div(price * quantity, ONE)


def percent(amount: Money, basis_points: int) -> Money:
    """``basis_points`` hundredths of a percent of ``amount`` (1000 = 10%), rounded."""
    return round_div(amount * basis_points, 10_000)


def vat_included(amount: Money, rate_bp: int) -> Money:
    """The VAT contained in ``amount`` at ``rate_bp`` basis points (2000 = 20 %), as a
    Russian receipt shows it (54-ФЗ: the price includes VAT): amount × rate / (100 + rate),
    rounded half up to the kopeck (half away from zero for a negative amount)."""
    if rate_bp < 0:
        raise ValueError("a VAT rate cannot be negative")
    return round_div(amount * rate_bp, 10_000 + rate_bp)


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` into parts proportional to ``weights`` that sum exactly to it.

    Largest-remainder method; ties go to the earlier index, so the answer is
    deterministic. Zero weights get zero unless every weight is zero, in
    which case everything goes to the first part.
    """
    if not weights:
        if total:
            raise ValueError("cannot allocate a non-zero total over no parts")
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    wsum = sum(weights)
    if wsum == 0:
        return [total] + [0] * (len(weights) - 1)
    sign = -1 if total < 0 else 1
    t = abs(total)
    parts = [t * w // wsum for w in weights]
    rema = [(t * w % wsum, -i) for i, w in enumerate(weights)]
    left = t - sum(parts)
    for _rem, neg_i in sorted(rema, reverse=True)[:left]:
        parts[-neg_i] += 1
    return [sign * p for p in parts]
