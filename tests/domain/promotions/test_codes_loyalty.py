"""Coupon codes with check digits; card levels and bonus lots."""

from datetime import datetime, timedelta

import pytest

from ukm_actors.domain.promotions import CouponRule
from ukm_actors.domain.promotions.codes import (
    CodeError,
    luhn_digit,
    luhn_ok,
    make_code,
    recognise,
    scrambled_serials,
)
from ukm_actors.domain.promotions.loyalty import (
    Lot,
    level_for,
    pending,
    spend_limit,
    spendable,
    take,
)


def test_luhn_check_digit_catches_a_mistyped_digit():
    assert luhn_digit("7992739871") == "3"
    code = make_code("SP", 17, 10, True)
    assert code == "SP0000017" + luhn_digit("SP0000017")
    assert luhn_ok(code)
    typo = code[:-2] + str((int(code[-2]) + 1) % 10) + code[-1]
    assert not luhn_ok(typo)


def test_codes_that_do_not_fit_are_refused():
    with pytest.raises(CodeError, match="cannot hold prefix"):
        make_code("SPRING", 1, 6, True)
    with pytest.raises(CodeError, match="does not fit"):
        make_code("S", 1000, 4, False)


def test_batch_serials_are_unique_across_batches_and_not_sequential():
    first = scrambled_serials("seed", 0, 500, 8)
    second = scrambled_serials("seed", 500, 500, 8)
    assert len(set(first) | set(second)) == 1000
    assert first[1] - first[0] != 1
    with pytest.raises(CodeError, match="at most 10000 per campaign"):
        scrambled_serials("seed", 9990, 20, 8)


def test_recognise_by_prefix_length_and_check_digit():
    rules = [CouponRule("SPRING", "SP", 10, True), CouponRule("SPX", "SPX", 10, False)]
    good = make_code("SP", 42, 10, True)
    assert recognise(good, rules).campaign_id == "SPRING"
    assert recognise(good[:-1] + str((int(good[-1]) + 1) % 10), rules) is None
    assert recognise("SPX1234567", rules).campaign_id == "SPX"
    assert recognise("SP12", rules) is None


def test_levels_grow_with_accumulated_purchases():
    thresholds = [500_000, 2_000_000]
    assert [level_for(a, thresholds) for a in (0, 499_999, 500_000, 2_000_000)] == [0, 0, 1, 2]


T0 = datetime(2026, 12, 1, 12, 0)


def lots():
    return [
        Lot(1, 1000, T0, T0 + timedelta(days=30)),
        Lot(2, 500, T0 + timedelta(days=14), T0 + timedelta(days=44)),
        Lot(3, 300, T0, T0 + timedelta(days=10)),
    ]


def test_points_become_spendable_after_the_delay_and_expire():
    assert spendable(lots(), T0 - timedelta(seconds=1)) == 0
    assert spendable(lots(), T0) == 1300
    assert pending(lots(), T0) == 500
    assert spendable(lots(), T0 + timedelta(days=10)) == 1000
    assert spendable(lots(), T0 + timedelta(days=14)) == 1500
    assert spendable(lots(), T0 + timedelta(days=44)) == 0
    assert lots()[2].expired_at(T0 + timedelta(days=10))


def test_spending_takes_the_soonest_to_expire_first():
    assert take(lots(), 800, T0 + timedelta(days=1)) == [(3, 300), (1, 500)]
    with pytest.raises(ValueError, match="only 1300 points are spendable"):
        take(lots(), 1301, T0)


def test_spend_limit_is_a_share_of_the_receipt_and_the_balance():
    assert spend_limit(10_000, 5000, 9_999) == 5000
    assert spend_limit(10_000, 5000, 3_000) == 3000
    assert spend_limit(10_000, 10_000, 50_000) == 10_000
