"""Russian taxpayer numbers (ИНН): length and check digits.

A legal entity has 10 digits, the last one a check digit; a person (and so
a cashier) has 12 digits, the last two check digits. Each check digit is the
weighted sum of the digits before it, mod 11, mod 10. UKM 5 refuses an INN
that fails these rules on import, and so do we.
"""

from __future__ import annotations

from ukm_actors.errors import UkmError
from ukm_actors.i18n import _

_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12_FIRST = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12_SECOND = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


class InnError(UkmError, ValueError):
    """An INN that is not 10 or 12 digits or whose check digit does not match."""

    code = "format.inn"


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


def inn_check_digits(body: str) -> str:
    """The check digits that complete ``body`` into a valid INN.

    ``body`` is the first 9 digits of a legal entity's INN (one check digit is
    returned) or the first 10 digits of a person's (two are returned). Used
    to build test data and to tell a user what the INN should end with.
    """
    if not (body.isascii() and body.isdigit()) or len(body) not in (9, 10):
        raise InnError(f"INN body {body!r} must be 9 or 10 digits")
    if len(body) == 9:
        return str(_check_digit(body, _WEIGHTS_10))
    first = _check_digit(body, _WEIGHTS_12_FIRST)
    second = _check_digit(body + str(first), _WEIGHTS_12_SECOND)
    return f"{first}{second}"


def validate_inn(text: str) -> str:
    """Return the INN with surrounding blanks removed, or raise ``InnError``.

    The message says what is wrong: the length, a character that is not a
    digit, or which check digit does not match.
    """
    inn = text.strip()
    if not inn:
        raise InnError(_("INN is empty; enter 10 digits (organisation) or 12 digits (person)"))
    bad = [c for c in inn if not ("0" <= c <= "9")]
    if bad:
        raise InnError(
            _(
                "INN {inn} contains {char}; an INN is digits only, without spaces or dashes",
                inn=repr(inn),
                char=repr(bad[0]),
            )
        )
    if len(inn) == 10:
        expected = _check_digit(inn[:9], _WEIGHTS_10)
        if int(inn[9]) != expected:
            raise InnError(
                _(
                    "INN {inn} (organisation, 10 digits): check digit 10 is {digit}, "
                    "expected {expected}; the number is mistyped",
                    inn=repr(inn),
                    digit=inn[9],
                    expected=expected,
                ),
            )
        return inn
    if len(inn) == 12:
        first = _check_digit(inn[:10], _WEIGHTS_12_FIRST)
        if int(inn[10]) != first:
            raise InnError(
                _(
                    "INN {inn} (person, 12 digits): check digit 11 is {digit}, "
                    "expected {expected}; the number is mistyped",
                    inn=repr(inn),
                    digit=inn[10],
                    expected=first,
                ),
            )
        second = _check_digit(inn[:11], _WEIGHTS_12_SECOND)
        if int(inn[11]) != second:
            raise InnError(
                _(
                    "INN {inn} (person, 12 digits): check digit 12 is {digit}, "
                    "expected {expected}; the number is mistyped",
                    inn=repr(inn),
                    digit=inn[11],
                    expected=second,
                ),
            )
        return inn
    raise InnError(
        _(
            "INN {inn} has {n} digits; it must have 10 (organisation) or 12 (person)",
            inn=repr(inn),
            n=len(inn),
        )
    )
