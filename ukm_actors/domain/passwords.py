"""Password hashes shared by the cash server and the tills.

The server never stores a password, only a hash in one self-describing
text form (after the PHC string format)::

    $scrypt$ln=14,r=8,p=1$<salt>$<hash>          server employees (slow, memory-hard)
    $pbkdf2-sha256$i=20000$<salt>$<hash>         cashiers (the till checks them offline)

``<salt>`` and ``<hash>`` are unpadded URL-safe base64. Every hash has its
own random salt. A cashier's hash reaches the tills inside the catalog
document (``cashier.password_hash``), and the till checks a login with
:func:`verify_password` without asking the server. ``verify_password`` also
accepts the earlier form ``scrypt$N$r$p$<salt b64>$<hash b64>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from ukm_actors.errors import UkmError

SCRYPT = "scrypt"
PBKDF2 = "pbkdf2-sha256"

EMPLOYEE_SCHEME = SCRYPT
CASHIER_SCHEME = PBKDF2

SCRYPT_LOG_N = 14
SCRYPT_R = 8
SCRYPT_P = 1
PBKDF2_ITERATIONS = 20_000
"""Cashier secrets are short PINs or badge strings checked at every login on a till;
the cost is kept moderate so a login stays well under a tenth of a second."""

_SALT_BYTES = 16
_HASH_BYTES = 32
_MAXMEM = 256 * 1024 * 1024


class PasswordError(UkmError, ValueError):
    """A password that cannot be hashed as given (empty, too long, unknown scheme)."""

    code = "password.invalid"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(secret: bytes, salt: bytes, n: int, r: int, p: int, dklen: int = _HASH_BYTES) -> bytes:
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=dklen)


def _pbkdf2(secret: bytes, salt: bytes, iterations: int, dklen: int = _HASH_BYTES) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", secret, salt, iterations, dklen=dklen)


def hash_password(
    password: str,
    *,
    scheme: str = EMPLOYEE_SCHEME,
    cost: int | None = None,
) -> str:
    """The stored form of ``password`` under ``scheme``, with a fresh random salt.

    ``cost`` is log2(N) for scrypt and the iteration count for PBKDF2
    (defaults above). Raises ``PasswordError`` for an empty or over-long
    password or an unknown scheme.
    """
    if not password:
        raise PasswordError("the password is empty")
    if len(password) > 1024:
        raise PasswordError("the password is longer than 1024 characters")
    secret = password.encode("utf-8")
    salt = secrets.token_bytes(_SALT_BYTES)
    if scheme == SCRYPT:
        log_n = cost or SCRYPT_LOG_N
        digest = _scrypt(secret, salt, 1 << log_n, SCRYPT_R, SCRYPT_P)
        return f"${SCRYPT}$ln={log_n},r={SCRYPT_R},p={SCRYPT_P}${_b64(salt)}${_b64(digest)}"
    if scheme == PBKDF2:
        iterations = cost or PBKDF2_ITERATIONS
        digest = _pbkdf2(secret, salt, iterations)
        return f"${PBKDF2}$i={iterations}${_b64(salt)}${_b64(digest)}"
    raise PasswordError(f"unknown password scheme {scheme!r}; use {SCRYPT!r} or {PBKDF2!r}")


def _params(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in text.split(","):
        key, _, value = part.partition("=")
        out[key] = int(value)
    return out


def _legacy(secret: bytes, parts: list[str]) -> tuple[bytes, bytes]:
    n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
    salt = base64.b64decode(parts[4], validate=True)
    expected = base64.b64decode(parts[5], validate=True)
    if not 1 < n <= 1 << 20:
        raise ValueError("cost out of range")
    return _scrypt(secret, salt, n, r, p, len(expected)), expected


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the stored hash ``stored``.

    Comparison is constant-time. A malformed or unknown stored value never
    matches (it is not an error at a till: the cashier simply cannot log in).
    """
    secret = password.encode("utf-8")
    parts = stored.split("$")
    try:
        if len(parts) == 6 and parts[0] == SCRYPT:
            actual, expected = _legacy(secret, parts)
            return hmac.compare_digest(actual, expected)
        if len(parts) != 5 or parts[0] != "":
            return False
        _, scheme, params, salt_text, hash_text = parts
        salt, expected = _unb64(salt_text), _unb64(hash_text)
        p = _params(params)
        if scheme == SCRYPT:
            if not 1 <= p["ln"] <= 20:
                return False
            actual = _scrypt(secret, salt, 1 << p["ln"], p["r"], p["p"], len(expected))
        elif scheme == PBKDF2:
            if not 1 <= p["i"] <= 10_000_000:
                return False
            actual = _pbkdf2(secret, salt, p["i"], len(expected))
        else:
            return False
    except (ValueError, KeyError, TypeError, MemoryError, binascii.Error):
        return False
    return hmac.compare_digest(actual, expected)


def hash_cashier_password(password: str) -> str:
    """The hash of a cashier's login secret (PIN, badge or QR string), as tills receive it."""
    return hash_password(password, scheme=CASHIER_SCHEME)


def hash_employee_password(password: str) -> str:
    """The hash of a server employee's password."""
    return hash_password(password, scheme=EMPLOYEE_SCHEME)
