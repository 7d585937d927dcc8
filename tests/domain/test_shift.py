import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ukm_actors.domain.receipt import Payment
from ukm_actors.domain.shift import ShiftError, ShiftTotals, add_cash_move, add_receipt


def err(fn, *args):
    with pytest.raises(ShiftError) as info:
        fn(*args)
    return info.value


def test_empty_shift():
    t = ShiftTotals.empty()
    assert t.sales_count == t.returns_count == t.cancelled_count == 0
    assert t.cash_in_drawer == 0 and t.net_total == 0
    assert dict(t.sales_by_payment) == {} and dict(t.refunds_by_payment) == {}


def test_a_day_at_the_till():
    t = ShiftTotals.empty()
    t = add_cash_move(t, "in", 500000)  # change float put in: 5000.00
    t = add_receipt(t, "sale", 48546, [Payment("cash", 30000), Payment("card", 18546)])
    t = add_receipt(t, "sale", 17980, [Payment("cash", 20000)])  # 20.20 change
    t = add_receipt(t, "return", 8990, [Payment("cash", 8990)])
    t = add_receipt(t, "return", 5000, [Payment("card", 5000)])
    t = add_receipt(t, "cancelled", 12345, [Payment("cash", 12345)])
    t = add_cash_move(t, "out", 100000)

    assert (t.sales_count, t.sales_total) == (2, 66526)
    assert (t.returns_count, t.returns_total) == (2, 13990)
    assert t.cancelled_count == 1
    assert dict(t.sales_by_payment) == {"card": 18546, "cash": 47980}
    assert sum(t.sales_by_payment.values()) == t.sales_total
    assert dict(t.refunds_by_payment) == {"card": 5000, "cash": 8990}
    assert t.change_given == 2020 and t.cash_received == 50000
    assert t.cash_in == 500000 and t.cash_out == 100000
    # 500.00 received - 20.20 change - 89.90 refunded + 5000 in - 1000 out
    assert t.cash_in_drawer == 50000 - 2020 - 8990 + 500000 - 100000
    assert t.net_total == 66526 - 13990


def test_totals_are_immutable_values():
    t = add_receipt(ShiftTotals.empty(), "sale", 100, [Payment("card", 100)])
    with pytest.raises(TypeError):
        t.sales_by_payment["card"] = 0  # type: ignore[index]
    assert add_receipt(t, "sale", 100, [Payment("card", 100)]).sales_count == 2
    assert t.sales_count == 1


def test_json_round_trip():
    t = add_receipt(ShiftTotals.empty(), "sale", 17980, [Payment("cash", 20000)])
    t = add_receipt(t, "return", 500, [Payment("cash", 500)])
    body = json.loads(json.dumps(t.to_json()))
    assert body["cash_in_drawer"] == 17480 and body["sales_by_payment"] == {"cash": 17980}
    assert ShiftTotals.from_json(body) == t


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"sales_count": -1}, "sales_count must be a whole number"),
        ({"sales_total": "1.00"}, "sales_total must be a whole number"),
        ({"sales_total": True}, "sales_total must be a whole number"),
        ({"sales_by_payment": {"cheque": 1}}, "map payment types"),
        ({"refunds_by_payment": {"cash": -5}}, "map payment types"),
        ({"surprise": 1}, "unknown field(s) surprise"),
    ],
)
def test_from_json_refuses_bad_bodies(body, fragment):
    e = err(ShiftTotals.from_json, body)
    assert e.code == "shift.bad_json" and fragment in e.message


def test_sale_payments_must_cover_the_total_and_only_cash_may_exceed():
    e = err(add_receipt, ShiftTotals.empty(), "sale", 1000, [Payment("cash", 999)])
    assert e.code == "shift.payments_mismatch" and "sale of 10.00 was paid 9.99" in e.message
    e = err(add_receipt, ShiftTotals.empty(), "sale", 1000, [Payment("card", 1001)])
    assert e.code == "shift.payments_mismatch"


def test_return_refunds_must_equal_the_total():
    e = err(add_receipt, ShiftTotals.empty(), "return", 1000, [Payment("cash", 1200)])
    assert e.code == "shift.payments_mismatch" and "refunded 12.00" in e.message


def test_bad_kind_total_and_cash_moves():
    assert err(add_receipt, ShiftTotals.empty(), "exchange", 0, []).code == "shift.kind"
    assert err(add_receipt, ShiftTotals.empty(), "sale", -1, []).code == "shift.total"
    assert err(add_cash_move, ShiftTotals.empty(), "in", 0).code == "shift.cash_amount"
    assert err(add_cash_move, ShiftTotals.empty(), "sideways", 10).code == "shift.direction"


def test_cannot_take_out_more_cash_than_the_drawer_holds():
    t = add_cash_move(ShiftTotals.empty(), "in", 1000)
    e = err(add_cash_move, t, "out", 1001)
    assert e.code == "shift.cash_short"
    assert "cannot take out 10.01: the drawer should hold only 10.00" in e.message
    assert add_cash_move(t, "out", 1000).cash_in_drawer == 0


events = st.one_of(
    st.tuples(st.just("sale"), st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**5)),
    st.tuples(st.just("return"), st.integers(1, 10**6), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("in"), st.integers(1, 10**6), st.just(0), st.just(0)),
)


@given(st.lists(events, max_size=30))
def test_drawer_equals_cash_flows(evts):
    t = ShiftTotals.empty()
    drawer = 0
    for kind, total, card_part, extra in evts:
        if kind == "in":
            t = add_cash_move(t, "in", total)
            drawer += total
            continue
        card = min(card_part, total)
        cash = total - card + (extra if kind == "sale" else 0)
        pays = [Payment(k, a) for k, a in (("card", card), ("cash", cash)) if a > 0]
        t = add_receipt(t, kind, total, pays)
        drawer += (total - card) if kind == "sale" else -(total - card)
    assert t.cash_in_drawer == drawer
    assert sum(t.sales_by_payment.values()) == t.sales_total
    assert sum(t.refunds_by_payment.values()) == t.returns_total
    assert ShiftTotals.from_json(t.to_json()) == t
