import pytest
from hypothesis import given
from hypothesis import strategies as st

from ukm_actors.domain.money import round_div
from ukm_actors.domain.receipt import Payment
from ukm_actors.domain.returns import (
    OriginalLine,
    ReturnError,
    ReturnLine,
    check_return,
    refund_amount,
    refund_plan,
    returnable,
)

# 3 × 100.00 with a 0.01 discount: paid 299.99 for three.
CANDY = OriginalLine(1, "501", "Конфеты", 3000, 10000, 29999)
# 0.350 kg cheese at 899.00, paid 314.65.
CHEESE = OriginalLine(2, "2002", "Сыр весовой", 350, 89900, 31465)
LINES = [CANDY, CHEESE]


def err(fn, *args):
    with pytest.raises(ReturnError) as info:
        fn(*args)
    return info.value


# --- refund amounts -----------------------------------------------------------


def test_full_quantity_refunds_exactly_the_paid_total():
    assert refund_amount(CANDY, 3000) == 29999
    assert refund_amount(CHEESE, 350) == 31465


def test_partial_refunds_add_up_to_the_total():
    parts = [refund_amount(CANDY, 1000, done) for done in (0, 1000, 2000)]
    assert parts == [10000, 9999, 10000]  # cumulative rounding: 100.00, 199.99, 299.99
    assert sum(parts) == 29999


def test_refund_amount_refuses_too_much_or_nothing():
    e = err(refund_amount, CANDY, 2000, 2000)
    assert e.code == "return.exceeds" and "only 1.000 is still returnable" in e.message
    assert err(refund_amount, CANDY, 0).code == "return.quantity"


def test_bad_original_lines_are_refused():
    with pytest.raises(ReturnError) as info:
        OriginalLine(1, "1", "x", 0, 100, 100)
    assert info.value.code == "return.original_invalid"
    assert err(returnable, [CANDY, CANDY], {}).code == "return.original_invalid"


# --- what may be returned -----------------------------------------------------


def test_returnable_subtracts_earlier_returns():
    assert returnable(LINES, {}) == {1: 3000, 2: 350}
    assert returnable(LINES, {1: 1000, 2: 350, 9: 5000}) == {1: 2000, 2: 0}
    assert returnable(LINES, {1: 9000}) == {1: 0, 2: 350}


def test_check_return_accepts_and_prices_lines():
    got = check_return(LINES, {1: 1000}, {2: 100, 1: 1000})
    assert got == [
        ReturnLine(1, "501", "Конфеты", 1000, 10000, 9999),
        ReturnLine(2, "2002", "Сыр весовой", 100, 89900, 8990),
    ]


def test_check_return_names_the_line_and_what_is_still_returnable():
    e = err(check_return, LINES, {1: 1000}, {1: 2500})
    assert e.code == "return.exceeds"
    assert e.message == "line 1 (Конфеты): 2.500 requested, but only 2.000 can still be returned"


def test_check_return_on_a_line_returned_in_full():
    e = err(check_return, LINES, {2: 350}, {2: 1})
    assert e.code == "return.exceeds"
    assert "already been returned in full" in e.message


def test_check_return_unknown_line_empty_and_zero():
    e = err(check_return, LINES, {}, {5: 1000})
    assert e.code == "return.line_unknown" and "no line 5" in e.message
    assert err(check_return, LINES, {}, {}).code == "return.empty"
    assert err(check_return, LINES, {}, {1: 0}).code == "return.quantity"
    assert err(check_return, LINES, {}, {1: -1000}).code == "return.quantity"


@given(
    st.lists(st.tuples(st.integers(1, 20_000), st.integers(0, 10**7)), min_size=1, max_size=4),
    st.data(),
)
def test_partial_returns_never_refund_more_than_paid(specs, data):
    lines = [OriginalLine(i + 1, "a", "n", q, t, t) for i, (q, t) in enumerate(specs)]
    paid = sum(line.total for line in lines)
    earlier: dict[int, int] = {}
    refunded = 0
    while True:
        left = {p: q for p, q in returnable(lines, earlier).items() if q > 0}
        if not left or data.draw(st.integers(0, 5)) == 0:
            break
        positions = data.draw(st.lists(st.sampled_from(sorted(left)), min_size=1, unique=True))
        request = {p: data.draw(st.integers(1, left[p])) for p in positions}
        for ret in check_return(lines, earlier, request):
            assert ret.amount >= 0
            refunded += ret.amount
            earlier[ret.position] = earlier.get(ret.position, 0) + ret.quantity
        assert refunded <= paid
    # What came back so far is always the rounded share of each line.
    assert refunded == sum(
        round_div(line.total * earlier.get(line.position, 0), line.quantity) for line in lines
    )
    if all(earlier.get(line.position, 0) == line.quantity for line in lines):
        assert refunded == paid


# --- refund plan --------------------------------------------------------------


def test_refund_by_card_first_then_cash():
    paid = [Payment("cash", 50000), Payment("card", 18546, rrn="403512345678", card_mask="4276*1")]
    assert refund_plan(paid, 10000) == [Payment("card", 10000, "403512345678", "4276*1")]
    assert refund_plan(paid, 30000) == [
        Payment("card", 18546, "403512345678", "4276*1"),
        Payment("cash", 11454),
    ]
    assert refund_plan(paid, 0) == []


def test_refund_plan_counts_earlier_refunds_against_the_same_means():
    paid = [Payment("card", 10000, rrn="1"), Payment("cash", 5000)]
    first = refund_plan(paid, 8000)
    assert first == [Payment("card", 8000, rrn="1")]
    second = refund_plan(paid, 7000, earlier_refunds=first)
    assert second == [Payment("card", 2000, rrn="1"), Payment("cash", 5000)]


def test_refund_plan_several_non_cash_in_original_order():
    paid = [
        Payment("certificate", 3000, reference="GC-1"),
        Payment("card", 4000, rrn="9"),
        Payment("bonus", 1000, reference="card-77"),
    ]
    assert refund_plan(paid, 7500) == [
        Payment("certificate", 3000, reference="GC-1"),
        Payment("card", 4000, rrn="9"),
        Payment("bonus", 500, reference="card-77"),
    ]


def test_refund_plan_refuses_more_than_a_cashless_receipt_paid():
    e = err(refund_plan, [Payment("card", 1000)], 1500)
    assert e.code == "return.exceeds_paid"
    assert "5.00 more" in e.message
    assert err(refund_plan, [Payment("card", 1000)], -1).code == "return.refund_invalid"


@given(
    st.lists(
        st.tuples(st.sampled_from(["cash", "card", "certificate", "bonus"]), st.integers(1, 10**6)),
        min_size=1,
        max_size=5,
    ),
    st.data(),
)
def test_refund_plans_over_several_returns_never_exceed_each_means(payments, data):
    paid = [Payment(t, a) for t, a in payments]
    gross = sum(p.amount for p in paid)
    done: list[Payment] = []
    refunded = 0
    for _ in range(3):
        amount = data.draw(st.integers(0, gross - refunded))
        plan = refund_plan(paid, amount, earlier_refunds=done)
        assert sum(p.amount for p in plan) == amount
        done += plan
        refunded += amount
        for kind in ("card", "certificate", "bonus"):
            back = sum(p.amount for p in done if p.type == kind)
            assert back <= sum(p.amount for p in paid if p.type == kind)
