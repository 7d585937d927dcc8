"""The password hashes shared by the server and the tills."""

import pytest

from ukm_actors.domain import passwords
from ukm_actors.domain.passwords import (
    PasswordError,
    hash_cashier_password,
    hash_employee_password,
    hash_password,
    verify_password,
)


def test_each_hash_has_its_own_salt_and_verifies():
    a, b = hash_cashier_password("7741"), hash_cashier_password("7741")
    assert a != b and a.startswith("$pbkdf2-sha256$i=20000$")
    assert verify_password("7741", a) and verify_password("7741", b)
    assert not verify_password("7742", a)
    e = hash_employee_password("correct horse")
    assert e.startswith("$scrypt$ln=14,r=8,p=1$") and verify_password("correct horse", e)
    assert not verify_password("correct horsE", e)


def test_non_ascii_secrets_and_low_costs_work():
    h = hash_password("пароль-QR:17", scheme=passwords.PBKDF2, cost=1000)
    assert verify_password("пароль-QR:17", h) and not verify_password("пароль-qr:17", h)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain",
        "$md5$x$y$z",
        "$pbkdf2-sha256$i=abc$AA$AA",
        "$scrypt$ln=99,r=8,p=1$AA$AA",
        "$pbkdf2-sha256$i=1$!!$AA",
    ],
)
def test_a_malformed_hash_never_matches(stored):
    assert verify_password("", stored) is False and verify_password("x", stored) is False


def test_the_earlier_scrypt_form_still_verifies():
    import base64
    import hashlib

    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"1234", salt=salt, n=2**10, r=8, p=1, dklen=32)
    stored = (
        f"scrypt${2**10}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    )
    assert verify_password("1234", stored) and not verify_password("1235", stored)


def test_empty_or_huge_passwords_and_unknown_schemes_are_refused():
    for bad in ("", "x" * 1025):
        with pytest.raises(PasswordError):
            hash_employee_password(bad)
    with pytest.raises(PasswordError, match="unknown password scheme"):
        hash_password("x", scheme="md5")
