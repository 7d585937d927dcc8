"""Coupon and certificate codes: a prefix, digits, and optionally a check digit.

A code is ``prefix + serial`` (zero-padded so the whole code has ``length``
characters) or, with a check digit, ``prefix + serial + luhn digit``. The
check digit (Luhn, mod 10, over every digit of the code) catches a mistyped
digit and most swapped neighbours, so a till can refuse a mistyped code
without asking the marketing server.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ukm_actors.domain.promotions.model import CouponRule


class CodeError(ValueError):
    """A code layout that cannot hold the codes asked for."""


def luhn_digit(digits: str) -> str:
    """The Luhn check digit to append to ``digits`` (letters of a prefix are skipped)."""
    total = 0
    for i, ch in enumerate(reversed([c for c in digits if c.isdigit()])):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(code: str) -> bool:
    """True when the last digit of ``code`` is the Luhn check digit of the rest."""
    digits = "".join(ch for ch in code if ch.isdigit())
    return len(digits) >= 2 and code[-1].isdigit() and luhn_digit(digits[:-1]) == digits[-1]


def serial_width(prefix: str, length: int, check_digit: bool) -> int:
    width = length - len(prefix) - (1 if check_digit else 0)
    if width < 1:
        raise CodeError(
            f"codes of {length} characters cannot hold prefix {prefix!r}"
            f"{' and a check digit' if check_digit else ''} and a serial number"
        )
    return width


def make_code(prefix: str, serial: int, length: int, check_digit: bool) -> str:
    """The code for ``serial`` (``CodeError`` if it does not fit in ``length``)."""
    width = serial_width(prefix, length, check_digit)
    body = f"{serial:0{width}d}"
    if len(body) > width:
        raise CodeError(f"serial {serial} does not fit in {width} digits")
    code = prefix + body
    return code + luhn_digit(code) if check_digit else code


def scrambled_serials(seed: str, start: int, count: int, width: int) -> list[int]:
    """``count`` distinct serials ``start .. start+count-1`` made hard to guess.

    The lower digits of a serial are its number ``n`` (so serials never
    collide, across batches too, for ``n`` below ``10**low`` with ``low =
    width - min(4, width // 2)``); up to four upper digits are a keyed hash of
    ``n``, so one code does not tell the next.
    """
    high_width = min(4, width // 2)
    low_width = width - high_width
    if start + count > 10**low_width:
        raise CodeError(
            f"codes with {width} serial digits hold at most {10**low_width} per campaign; "
            f"{start + count} asked for (make the codes longer)"
        )
    out = []
    for n in range(start, start + count):
        high = 0
        if high_width:
            digest = hashlib.sha256(f"{seed}:{n}".encode()).digest()
            high = int.from_bytes(digest[:8], "big") % (10**high_width)
        out.append(high * 10**low_width + n)
    return out


def recognise(code: str, rules: Sequence[CouponRule]) -> CouponRule | None:
    """The coupon rule ``code`` belongs to by prefix, length and check digit (or None).

    Longest prefix wins when prefixes nest.
    """
    best: CouponRule | None = None
    for r in rules:
        if not code.startswith(r.prefix) or len(code) != r.length:
            continue
        if not code[len(r.prefix) :].isdigit():
            continue
        if r.check_digit and not luhn_ok(code):
            continue
        if best is None or len(r.prefix) > len(best.prefix):
            best = r
    return best
