import pytest
from hypothesis import given
from hypothesis import strategies as st

from ukm_actors.domain.money import (
    AmountFormatError,
    allocate,
    format_money,
    format_quantity,
    line_amount,
    parse_money,
    parse_quantity,
    round_div,
)


@pytest.mark.parametrize(
    ("text", "kopecks"),
    [("89.90", 8990), ("89.9", 8990), ("89", 8900), ("0.01", 1), ("  5.5 ", 550), ("0", 0)],
)
def test_parse_money(text, kopecks):
    assert parse_money(text) == kopecks


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("89,90", "decimal point"),
        ("1.234", "at most 2"),
        ("-1.00", "negative"),
        ("1e3", "not a decimal"),
        ("", "not a decimal"),
        ("NaN", "not a decimal"),
    ],
)
def test_parse_money_refuses_with_a_clear_message(text, fragment):
    with pytest.raises(AmountFormatError, match=fragment):
        parse_money(text)


def test_negative_money_when_allowed():
    assert parse_money("-0.50", allow_negative=True) == -50


def test_quantities():
    assert parse_quantity("6") == 6000
    assert parse_quantity("0.350") == 350
    assert format_quantity(350) == "0.350"
    with pytest.raises(AmountFormatError):
        parse_quantity("0.0001")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_money_round_trip(k):
    assert parse_money(format_money(k), allow_negative=True) == k


def test_line_amount_rounds_half_up():
    assert line_amount(8990, 6000) == 53940
    assert line_amount(19999, 350) == 7000  # 69.9965 -> 70.00
    assert line_amount(1, 500) == 1  # 0.005 -> 0.01
    assert round_div(-5, 10) == -1


@given(
    st.integers(min_value=-(10**9), max_value=10**9),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30),
)
def test_allocate_sums_exactly(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    if sum(weights) and total >= 0:
        for p, w in zip(parts, weights):
            assert abs(p - total * w / sum(weights)) < 1 + 1e-9
