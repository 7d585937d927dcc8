import pytest
from hypothesis import given
from hypothesis import strategies as st

from ukm_actors.domain.receipt import (
    Line,
    LineDiscount,
    Payment,
    Receipt,
    ReceiptError,
    add_line,
    add_payment,
    apply_discounts,
    remove_payment,
    set_quantity,
    tax_breakdown,
    void_line,
)


def milk(receipt: Receipt = Receipt(), qty: int = 2000, price: int = 8990) -> Receipt:
    return add_line(
        receipt,
        article="1001",
        name="Молоко 1 л",
        quantity=qty,
        price=price,
        measure="шт",
        barcode="4600000000022",
        taxgroup_id="2",
    )


def cheese(receipt: Receipt, qty: int = 350, price: int = 89900) -> Receipt:
    return add_line(
        receipt,
        article="2002",
        name="Сыр весовой",
        quantity=qty,
        price=price,
        measure="кг",
        taxgroup_id="1",
    )


def error_code(fn, *args):
    with pytest.raises(ReceiptError) as info:
        fn(*args)
    return info.value


# --- lines and totals ---------------------------------------------------------


def test_lines_get_positions_from_one_and_amounts_are_rounded():
    r = cheese(milk())
    assert [line.position for line in r.lines] == [1, 2]
    assert r.lines[0].amount == 17980
    assert r.lines[1].amount == 31465  # 899.00 × 0.350
    assert r.total == 49445 and r.amount == 49445 and r.discount == 0
    assert r.due == 49445 and r.paid == 0 and r.change == 0 and not r.is_paid


def test_void_keeps_the_position_and_it_is_never_reused():
    r = void_line(cheese(milk()), 2)
    assert r.line(2).voided
    assert r.total == 17980
    r = cheese(r)
    assert [line.position for line in r.lines] == [1, 2, 3]


def test_void_twice_is_refused():
    r = void_line(milk(), 1)
    err = error_code(void_line, r, 1)
    assert err.code == "receipt.line_voided"
    assert "line 1 (Молоко 1 л) is voided" in err.message


def test_unknown_line_is_refused():
    for fn, args in [
        (void_line, (milk(), 7)),
        (set_quantity, (milk(), 7, 1000)),
        (apply_discounts, (milk(), {7: ()})),
    ]:
        err = error_code(fn, *args)
        assert err.code == "receipt.line_unknown"
        assert "no line 7" in err.message


def test_set_quantity_replaces_quantity_and_drops_discounts():
    r = apply_discounts(milk(), {1: (LineDiscount("c1", "2 for less", 500),)})
    r = set_quantity(r, 1, 3000)
    assert r.line(1).quantity == 3000 and r.line(1).discounts == ()
    assert r.total == 26970


@pytest.mark.parametrize("qty", [0, -1000])
def test_set_quantity_refuses_zero_or_negative(qty):
    err = error_code(set_quantity, milk(), 1, qty)
    assert err.code == "receipt.quantity"
    assert "void the line" in err.message


def test_set_quantity_refuses_a_voided_line():
    assert error_code(set_quantity, void_line(milk(), 1), 1, 1000).code == "receipt.line_voided"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"position": 0}, "receipt.line_position"),
        ({"quantity": 0}, "receipt.quantity"),
        ({"price": -1}, "receipt.price"),
        ({"discounts": (LineDiscount("c", "too much", 1001),)}, "receipt.discount_exceeds"),
    ],
)
def test_line_refuses_bad_values(kwargs, code):
    base = dict(
        position=1,
        article="1",
        name="x",
        barcode=None,
        quantity=1000,
        price=1000,
        measure="шт",
        taxgroup_id=None,
        price_type=None,
        seller_code=None,
    )
    with pytest.raises(ReceiptError) as info:
        Line(**(base | kwargs))
    assert info.value.code == code


def test_receipt_refuses_a_bad_kind_and_repeated_positions():
    with pytest.raises(ReceiptError) as info:
        Receipt(kind="exchange")  # type: ignore[arg-type]
    assert info.value.code == "receipt.kind"
    line = milk().lines[0]
    with pytest.raises(ReceiptError) as info:
        Receipt(lines=(line, line))
    assert info.value.code == "receipt.line_position"


# --- discounts ----------------------------------------------------------------


def test_apply_discounts_replaces_only_the_listed_lines():
    r = cheese(milk())
    r = apply_discounts(r, {1: (LineDiscount("c1", "Milk -10%", 1798),)})
    r = apply_discounts(
        r, {2: (LineDiscount("c2", "Cheese", 1000), LineDiscount("m", "Manual", 465))}
    )
    assert r.line(1).discount == 1798
    assert r.line(2).discount == 1465 and r.line(2).total == 30000
    assert r.discount == 3263 and r.total == 49445 - 3263
    r = apply_discounts(r, {1: ()})
    assert r.line(1).discount == 0


def test_discount_may_equal_but_not_exceed_the_amount():
    r = apply_discounts(milk(), {1: (LineDiscount("gift", "Free", 17980),)})
    assert r.total == 0
    err = error_code(apply_discounts, milk(), {1: (LineDiscount("c", "Too much", 17981),)})
    assert err.code == "receipt.discount_exceeds"
    assert "discount 179.81 is more than the line amount 179.80" in err.message


def test_negative_discount_and_discount_on_voided_line_are_refused():
    with pytest.raises(ReceiptError) as info:
        LineDiscount("c", "Minus", -1)
    assert info.value.code == "receipt.discount_negative"
    r = void_line(milk(), 1)
    err = error_code(apply_discounts, r, {1: (LineDiscount("c", "x", 1),)})
    assert err.code == "receipt.line_voided"
    assert apply_discounts(r, {1: ()}).line(1).discounts == ()


# --- payments -----------------------------------------------------------------


def test_cash_overpayment_gives_change():
    r = add_payment(milk(), Payment("cash", 20000))
    assert r.is_paid and r.due == 0 and r.change == 2020


def test_split_tender_card_then_cash():
    r = cheese(milk())  # 494.45
    r = add_payment(r, Payment("card", 30000, rrn="403512345678", card_mask="4276********1234"))
    assert not r.is_paid and r.due == 19445
    r = add_payment(r, Payment("cash", 20000))
    assert r.is_paid and r.change == 555


def test_card_may_not_exceed_what_is_due():
    err = error_code(add_payment, milk(), Payment("card", 17981))
    assert err.code == "receipt.overpaid"
    assert "Card payment of 179.81 is more than the 179.80 still due" in err.message
    assert "only cash" in err.message
    for kind in ("certificate", "bonus"):
        assert error_code(add_payment, milk(), Payment(kind, 20000)).code == "receipt.overpaid"


def test_cash_leaving_more_change_than_the_till_gives_is_refused():
    r = milk()  # 179.80 due
    err = error_code(lambda: add_payment(r, Payment("cash", 5_000_017_980), max_change=1_000_000))
    assert err.code == "receipt.change_too_large"
    assert "50000000.00 change" in err.message and "check the amount" in err.message
    assert add_payment(r, Payment("cash", 1_017_980), max_change=1_000_000).change == 1_000_000
    assert add_payment(r, Payment("cash", 5_000_017_980)).change == 5_000_000_000  # 0: no limit


def test_no_payment_on_an_empty_receipt():
    for r in (Receipt(), void_line(milk(), 1)):
        err = error_code(add_payment, r, Payment("cash", 100))
        assert err.code == "receipt.empty"


def test_no_payment_once_fully_paid():
    r = add_payment(milk(), Payment("card", 17980))
    err = error_code(add_payment, r, Payment("cash", 100))
    assert err.code == "receipt.already_paid"


def test_a_free_receipt_is_paid_without_payments():
    r = apply_discounts(milk(), {1: (LineDiscount("gift", "Free", 17980),)})
    assert r.is_paid and r.total == 0
    assert error_code(add_payment, r, Payment("cash", 100)).code == "receipt.already_paid"


@pytest.mark.parametrize(
    ("kind", "amount", "code"),
    [("cheque", 100, "receipt.payment_type"), ("cash", 0, "receipt.payment_amount")],
)
def test_bad_payments_are_refused(kind, amount, code):
    with pytest.raises(ReceiptError) as info:
        Payment(kind, amount)
    assert info.value.code == code


def test_lines_are_frozen_once_payment_started():
    r = add_payment(cheese(milk()), Payment("card", 100))
    for change in [
        lambda: milk(r),
        lambda: void_line(r, 1),
        lambda: set_quantity(r, 1, 1000),
        lambda: apply_discounts(r, {1: ()}),
    ]:
        with pytest.raises(ReceiptError) as info:
            change()
        assert info.value.code == "receipt.payment_started"
        assert "remove the payments first" in info.value.message
    r = remove_payment(r, 0)
    assert r.payments == () and void_line(r, 1).total == 31465


def test_remove_unknown_payment():
    assert error_code(remove_payment, milk(), 0).code == "receipt.payment_unknown"


def test_return_receipt_refunds_may_not_exceed_due_even_in_cash():
    r = milk(Receipt(kind="return"))
    err = error_code(add_payment, r, Payment("cash", 20000))
    assert err.code == "receipt.overpaid"
    assert "refund" in err.message
    r = add_payment(r, Payment("cash", 17980))
    assert r.is_paid and r.change == 0
    assert "refunded in full" in error_code(add_payment, r, Payment("cash", 1)).message


# --- VAT ----------------------------------------------------------------------


def test_tax_breakdown_per_group():
    r = cheese(milk())  # milk group 2 (10%), cheese group 1 (20%)
    vat = tax_breakdown(r, {"1": 2000, "2": 1000})
    assert vat == {"1": 5244, "2": 1635}  # 314.65×20/120 = 52.44; 179.80×10/110 = 16.345
    assert list(vat) == ["1", "2"]


def test_tax_breakdown_zero_rate_and_voided_lines():
    r = void_line(cheese(milk()), 2)
    assert tax_breakdown(r, {"2": 0}) == {"2": 0}


def test_tax_breakdown_refuses_unknown_or_missing_group():
    err = error_code(tax_breakdown, milk(), {"1": 2000})
    assert err.code == "receipt.tax_group_unknown"
    assert "tax group '2', which is unknown" in err.message
    r = add_line(Receipt(), article="9", name="Пакет", quantity=1000, price=500, measure="шт")
    assert "no tax group" in error_code(tax_breakdown, r, {"1": 2000}).message
    assert error_code(tax_breakdown, milk(), {"2": -1}).code == "receipt.tax_rate"


# --- properties ---------------------------------------------------------------

line_specs = st.lists(
    st.tuples(
        st.integers(1, 1_000_000),  # price, kopecks
        st.integers(1, 50_000),  # quantity, thousandths
        st.integers(0, 100),  # discount as percent of amount
        st.booleans(),  # voided
    ),
    min_size=1,
    max_size=12,
)


def build(specs) -> Receipt:
    r = Receipt()
    for price, qty, _, _ in specs:
        r = add_line(r, article="a", name="n", quantity=qty, price=price, measure="шт")
    r = apply_discounts(
        r,
        {
            line.position: (LineDiscount("c", "d", line.amount * pct // 100),)
            for line, (_, _, pct, _) in zip(r.lines, specs)
        },
    )
    for line, (_, _, _, voided) in zip(list(r.lines), specs):
        if voided:
            r = void_line(r, line.position)
    return r


@given(line_specs)
def test_totals_are_integer_sums_of_the_active_lines(specs):
    r = build(specs)
    active = [line for line in r.lines if not line.voided]
    assert isinstance(r.total, int)
    assert r.total == sum(line.amount - line.discount for line in active)
    assert r.amount - r.discount == r.total
    assert all(0 <= line.total <= line.amount for line in r.lines)


@given(
    line_specs,
    st.lists(st.tuples(st.sampled_from(["cash", "card", "bonus"]), st.integers(1, 10**8))),
)
def test_split_tender_sums_and_change_is_never_negative(specs, tenders):
    r = build(specs)
    for kind, amount in tenders:
        if r.is_empty or r.is_paid:
            break
        if kind != "cash":
            amount = min(amount, r.due)
        r = add_payment(r, Payment(kind, amount))
        assert r.change >= 0 and r.due >= 0
        non_cash = sum(p.amount for p in r.payments if p.type != "cash")
        assert non_cash <= r.total
        assert r.change <= sum(p.amount for p in r.payments if p.type == "cash")
    assert r.paid == sum(p.amount for p in r.payments)
    if r.is_paid:
        assert r.paid - r.change == r.total
    else:
        assert r.paid + r.due == r.total
