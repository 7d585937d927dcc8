import pytest
from hypothesis import given
from hypothesis import strategies as st

from ukm_actors.domain.inn import InnError, inn_check_digits, validate_inn
from ukm_actors.errors import UkmError

# 770712345633 is the synthetic example in the exchange spec; the others were
# built with the published weights (legal 10-digit, person 12-digit).
VALID = ["770712345633", "7707083893", "500100732259", "1234567894", "0000000000"]


@pytest.mark.parametrize("inn", VALID)
def test_valid_inns_pass(inn):
    assert validate_inn(inn) == inn


def test_surrounding_blanks_are_removed():
    assert validate_inn("  770712345633\n") == "770712345633"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("77071234563", "has 11 digits"),
        ("770712345", "has 9 digits"),
        ("7707-123456", "contains '-'"),
        ("7707 123456 33", "contains ' '"),
        ("77071234563З", "contains 'З'"),  # Cyrillic Ze instead of a 3
        ("٧٧٠٧١٢٣٤٥٦٣٣", "digits only"),  # Arabic-Indic digits are not accepted
        ("7707083890", "check digit 10 is 0, expected 3"),
        ("770712345603", "check digit 11 is 0, expected 3"),
        ("770712345630", "check digit 12 is 0, expected 3"),
    ],
)
def test_invalid_inns_are_refused_with_a_reason(text, fragment):
    with pytest.raises(InnError) as info:
        validate_inn(text)
    assert fragment in info.value.message
    assert info.value.code == "format.inn"


def test_inn_error_is_both_ukm_error_and_value_error():
    assert issubclass(InnError, UkmError)
    assert issubclass(InnError, ValueError)


def test_check_digits_of_the_spec_example():
    assert inn_check_digits("7707123456") == "33"
    assert inn_check_digits("770708389") == "3"


@pytest.mark.parametrize("body", ["", "12345678", "12345678901", "12345678a"])
def test_check_digits_refuse_a_bad_body(body):
    with pytest.raises(InnError, match="9 or 10 digits"):
        inn_check_digits(body)


@given(st.text(alphabet="0123456789", min_size=9, max_size=10))
def test_generated_inns_are_valid_and_any_single_digit_change_is_caught(body):
    inn = body + inn_check_digits(body)
    assert validate_inn(inn) == inn
    # Changing the last check digit always breaks the INN.
    last = inn[-1]
    wrong = str((int(last) + 1) % 10)
    with pytest.raises(InnError, match="check digit"):
        validate_inn(inn[:-1] + wrong)
