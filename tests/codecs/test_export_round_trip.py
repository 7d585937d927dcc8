"""Hypothesis: render → parse gives back the same document, for all four kinds."""

import string
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from ukm_actors.codecs.ukm_export import (
    ExportCashBox,
    ExportDiscount,
    ExportItem,
    ExportPayment,
    ExportPaymentTotal,
    ExportReceipt,
    ExportShiftClose,
    ExportShiftOpen,
    ExportVoidedItem,
    ReceiptRef,
    export_file_name,
    parse_export,
    render_export,
)

# text as XML 1.0 can carry it; '\r' survives as &#13;
text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cn"), whitelist_characters="\t\n\r"),
    max_size=20,
)
opt_text = st.one_of(st.none(), text.filter(bool))
store = st.text(string.ascii_letters + string.digits + "АБВ", min_size=1, max_size=8)
ints = st.integers(0, 2**31 - 1)
money = st.integers(-(10**13), 10**13)
qty = st.integers(-(10**9), 10**9)
dates = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)

items = st.builds(
    ExportItem,
    position=ints,
    article=text.filter(bool),
    barcode=opt_text,
    name=text,
    quantity=qty,
    price=money,
    amount=money,
    discount=money,
    total=money,
    taxgroup_id=opt_text,
    seller_code=opt_text,
    vat_rate=st.one_of(st.none(), st.integers(0, 10_000)),
    vat_amount=st.one_of(st.none(), money),
)
voided = st.builds(
    ExportVoidedItem,
    position=ints,
    article=text.filter(bool),
    barcode=opt_text,
    name=text,
    quantity=qty,
    price=money,
    amount=money,
)
receipts = st.builds(
    ExportReceipt,
    store_id=store,
    pos_num=ints,
    shift_num=ints,
    receipt_num=ints,
    kind=st.sampled_from(["sale", "return"]),
    date=dates,
    cashier_code=ints,
    cashier_name=text,
    items=st.lists(items, max_size=3).map(tuple),
    voided=st.lists(voided, max_size=2).map(tuple),
    payments=st.lists(
        st.builds(ExportPayment, type=text.filter(bool), amount=money, rrn=opt_text), max_size=3
    ).map(tuple),
    total=money,
    change=money,
    discounts=st.lists(
        st.builds(
            ExportDiscount, position=ints, campaign_id=text.filter(bool), name=text, amount=money
        ),
        max_size=2,
    ).map(tuple),
    kkm_receipt_number=st.one_of(st.none(), ints),
    card=opt_text,
    original=st.one_of(
        st.none(),
        st.builds(ReceiptRef, store_id=store, pos_num=ints, shift_num=ints, receipt_num=ints),
    ),
)
opens = st.builds(
    ExportShiftOpen,
    store_id=store,
    pos_num=ints,
    shift_num=ints,
    date_open=dates,
    cashier_code=ints,
    cashier_name=text,
    kkm_shift_number=st.one_of(st.none(), ints),
)
cash = st.builds(
    ExportCashBox,
    store_id=store,
    pos_num=ints,
    shift_num=ints,
    doc_num=ints,
    direction=st.sampled_from(["in", "out"]),
    date=dates,
    amount=money,
    cashier_code=ints,
    cashier_name=text,
)
closes = st.builds(
    ExportShiftClose,
    store_id=store,
    pos_num=ints,
    shift_num=ints,
    kkm_shift_number=ints,
    date_close=dates,
    cashier_code=ints,
    cashier_name=text,
    sale_amount=money,
    return_amount=money,
    kkm_serial_number=opt_text,
    kkm_registration_number=opt_text,
    kkm_model_name=opt_text,
    sale_count=ints,
    return_count=ints,
    cancelled_count=ints,
    change_amount=money,
    cash_in_amount=money,
    cash_out_amount=money,
    payment_totals=st.lists(
        st.builds(
            ExportPaymentTotal, type=text.filter(bool), sale_amount=money, return_amount=money
        ),
        max_size=2,
    ).map(tuple),
    receipts=st.lists(receipts, max_size=3).map(tuple),
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(receipts, opens, cash, closes))
def test_render_parse_round_trip(doc):
    data = render_export(doc)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert parse_export(data) == doc
    name = export_file_name(doc)
    assert (
        name.endswith("_[1].xml") and f"_[{doc.store_id}]_[{doc.pos_num}]_[{doc.shift_num}]" in name
    )
