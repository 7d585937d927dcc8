"""Export documents: exact shapes and names, atomic writes, reading back."""

import os
import stat
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ukm_actors.codecs.ukm_export import (
    ExportCashBox,
    ExportDataError,
    ExportDiscount,
    ExportFormatError,
    ExportItem,
    ExportPayment,
    ExportPaymentTotal,
    ExportReceipt,
    ExportShiftClose,
    ExportShiftOpen,
    ReceiptRef,
    export_file_name,
    parse_export,
    parse_export_file,
    render_cash_box,
    render_export,
    render_receipt,
    render_shift_close,
    render_shift_open,
    shift_totals,
    write_atomically,
    write_export,
)

CASHIER = "Петрова Анна Сергеевна"

SALE = ExportReceipt(
    store_id="17",
    pos_num=3,
    shift_num=88412,
    receipt_num=51,
    kind="sale",
    date=datetime(2024, 3, 15, 12, 31, 7),
    cashier_code=104,
    cashier_name=CASHIER,
    kkm_receipt_number=1874,
    card="2775000012345",
    items=(
        ExportItem(
            position=1,
            article="100245",
            barcode="4600000000024",
            name="Кефир 2,5% 900 г",
            quantity=6000,
            price=8990,
            amount=53940,
            discount=5394,
            total=48546,
            taxgroup_id="2",
        ),
    ),
    discounts=(ExportDiscount(position=1, campaign_id="9001", name="-10% на кефир", amount=5394),),
    payments=(
        ExportPayment(type="cash", amount=30000),
        ExportPayment(type="card", amount=18546, rrn="403512345678"),
    ),
    change=0,
    total=48546,
)

SALE_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<receipt storeId="17" posNum="3" shiftNum="88412" receiptNum="51" version="1">
  <type>sale</type>
  <date>2024-03-15T12:31:07</date>
  <cashierCode>104</cashierCode>
  <cashierName>Петрова Анна Сергеевна</cashierName>
  <kkm_receipt_number>1874</kkm_receipt_number>
  <card>2775000012345</card>
  <item>
    <position>1</position>
    <article>100245</article>
    <barcode>4600000000024</barcode>
    <name>Кефир 2,5% 900 г</name>
    <quantity>6.000</quantity>
    <price>89.90</price>
    <amount>539.40</amount>
    <discountAmount>53.94</discountAmount>
    <total>485.46</total>
    <taxgroupId>2</taxgroupId>
  </item>
  <discount>
    <position>1</position>
    <campaignId>9001</campaignId>
    <name>-10% на кефир</name>
    <amount>53.94</amount>
  </discount>
  <payment>
    <type>cash</type>
    <amount>300.00</amount>
  </payment>
  <payment>
    <type>card</type>
    <amount>185.46</amount>
    <rrn>403512345678</rrn>
  </payment>
  <change>0.00</change>
  <total>485.46</total>
</receipt>
"""

RETURN = replace(
    SALE,
    receipt_num=60,
    kind="return",
    date=datetime(2024, 3, 15, 18, 0, 0),
    kkm_receipt_number=None,
    card=None,
    discounts=(),
    payments=(ExportPayment(type="cash", amount=8990),),
    items=(replace(SALE.items[0], quantity=1000, amount=8990, discount=0, total=8990),),
    total=8990,
    original=ReceiptRef(store_id="17", pos_num=3, shift_num=88412, receipt_num=51),
)

OPEN = ExportShiftOpen(
    store_id="17",
    pos_num=3,
    shift_num=88412,
    date_open=datetime(2024, 3, 15, 8, 1, 12),
    kkm_shift_number=215,
    cashier_code=104,
    cashier_name=CASHIER,
)

CASH_OUT = ExportCashBox(
    store_id="17",
    pos_num=3,
    shift_num=88412,
    doc_num=2,
    direction="out",
    date=datetime(2024, 3, 15, 15, 40),
    amount=2_000_000,
    cashier_code=104,
    cashier_name=CASHIER,
)


def close_of(receipts):
    t = shift_totals(receipts)
    return ExportShiftClose(
        store_id="17",
        pos_num=3,
        shift_num=88412,
        kkm_shift_number=215,
        kkm_serial_number="0492000000123456",
        kkm_registration_number="0001234567012345",
        kkm_model_name="АТОЛ 30Ф",
        date_close=datetime(2024, 3, 15, 22, 4, 51),
        cashier_code=104,
        cashier_name=CASHIER,
        sale_amount=t.sale_amount,
        return_amount=t.return_amount,
        sale_count=t.sale_count,
        return_count=t.return_count,
        change_amount=t.change_amount,
        cash_out_amount=2_000_000,
        payment_totals=t.payment_totals,
        receipts=tuple(receipts),
    )


def test_receipt_renders_exactly_the_provisional_shape():
    assert render_receipt(SALE).decode("utf-8") == SALE_XML


def test_return_carries_its_original_and_omits_empty_optionals():
    text = render_receipt(RETURN).decode()
    assert "<type>return</type>" in text
    assert '<original storeId="17" posNum="3" shiftNum="88412" receiptNum="51"/>' in text
    assert "<card>" not in text and "kkm_receipt_number" not in text and "<discount>" not in text


def test_shift_open_and_cash_box_shapes():
    assert render_shift_open(OPEN).decode() == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<shiftOpen storeId="17" posNum="3" shiftNum="88412" version="1">\n'
        "  <dateOpen>2024-03-15T08:01:12</dateOpen>\n"
        "  <kkm_shift_number>215</kkm_shift_number>\n"
        "  <cashierCode>104</cashierCode>\n"
        f"  <cashierName>{CASHIER}</cashierName>\n"
        "</shiftOpen>\n"
    )
    assert render_cash_box(CASH_OUT).decode() == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<cashBox storeId="17" posNum="3" shiftNum="88412" docNum="2" version="1">\n'
        "  <type>out</type>\n"
        "  <date>2024-03-15T15:40:00</date>\n"
        "  <amount>20000.00</amount>\n"
        "  <cashierCode>104</cashierCode>\n"
        f"  <cashierName>{CASHIER}</cashierName>\n"
        "</cashBox>\n"
    )


def test_shift_close_head_is_the_documented_one_and_embeds_receipts():
    text = render_shift_close(close_of([SALE, RETURN])).decode()
    head = text.splitlines()[1]
    assert head == (
        '<shift storeId="17" posNum="3" shiftNum="88412" version="1" kkm_shift_number="215" '
        'kkm_serial_number="0492000000123456" kkm_registration_number="0001234567012345" '
        'kkm_model_name="АТОЛ 30Ф">'
    )
    assert (
        "<saleAmount>485.46</saleAmount>" in text and "<returnAmount>89.90</returnAmount>" in text
    )
    assert text.index("<dateClose>") < text.index("<cashierCode>") < text.index("<saleAmount>")
    assert text.count("<receipt ") == 2 and "<receipts>" in text


def test_shift_without_kkt_leaves_the_optional_kkm_attributes_out():
    bare = replace(
        close_of([]), kkm_serial_number=None, kkm_registration_number=None, kkm_model_name=None
    )
    text = render_shift_close(bare).decode()
    assert 'kkm_shift_number="215"' in text and "kkm_serial_number" not in text
    assert "<receipts/>" in text
    assert parse_export(text.encode()) == bare


def test_shift_totals():
    t = shift_totals(
        [
            SALE,
            RETURN,
            replace(
                SALE,
                receipt_num=52,
                change=1454,
                payments=(ExportPayment(type="cash", amount=50000),),
            ),
        ]
    )
    assert (t.sale_amount, t.return_amount, t.sale_count, t.return_count) == (2 * 48546, 8990, 2, 1)
    assert t.change_amount == 1454
    # cash sales are what cash paid: 300.00 + 500.00 handed over − 14.54 change
    assert t.payment_totals == (
        ExportPaymentTotal(type="cash", sale_amount=78546, return_amount=8990),
        ExportPaymentTotal(type="card", sale_amount=18546, return_amount=0),
    )
    # so the payment types add up to the shift's amounts (what a trade system checks)
    assert sum(p.sale_amount for p in t.payment_totals) == t.sale_amount
    assert sum(p.return_amount for p in t.payment_totals) == t.return_amount


def test_vat_included_in_a_price_rounds_half_up():
    from ukm_actors.domain.money import vat_included

    assert vat_included(48546, 1000) == 4413  # 485.46 × 10/110 = 44.1327
    assert vat_included(26065, 1000) == 2370  # 23.6954
    assert vat_included(49900, 2000) == 8317  # 499.00 × 20/120 = 83.1666
    assert vat_included(600, 2000) == 100  # exactly 1.00
    assert vat_included(11, 1000) == 1  # 0.11 × 10/110 = 0.01 exactly
    assert vat_included(5, 1000) == 0  # 0.0045 → 0.00
    assert vat_included(6, 2000) == 1  # 0.06 × 20/120 = 0.01
    assert vat_included(3, 2000) == 1  # 0.005 → half up to 0.01
    assert vat_included(12345, 0) == 0
    assert vat_included(-5450, 1000) == -495  # a negative amount: half away from zero


def test_file_names_exactly_as_documented():
    assert export_file_name(SALE) == "receipt_[17]_[3]_[88412]_[51]_[1].xml"
    assert export_file_name(close_of([])) == "shift_[17]_[3]_[88412]_[1].xml"
    assert export_file_name(OPEN) == "shiftOpen_[17]_[3]_[88412]_[1].xml"
    assert export_file_name(CASH_OUT) == "cashbox_[17]_[3]_[88412]_[2]_[1].xml"


def test_store_code_unfit_for_a_file_name():
    for bad in ("", "17/..", "1 7", "17]_[x"):
        with pytest.raises(ExportDataError, match="cannot name the export file"):
            export_file_name(replace(SALE, store_id=bad))


def test_dates_must_be_naive_store_local_and_lose_microseconds():
    with pytest.raises(ExportDataError, match="time zone"):
        render_receipt(replace(SALE, date=datetime(2024, 3, 15, 12, 0, tzinfo=UTC)))
    text = render_receipt(replace(SALE, date=datetime(2024, 3, 15, 12, 31, 7, 999_999))).decode()
    assert "<date>2024-03-15T12:31:07</date>" in text


def test_unknown_codes_are_refused():
    with pytest.raises(ExportDataError, match="kind 'refund'"):
        render_receipt(replace(SALE, kind="refund"))
    with pytest.raises(ExportDataError, match="direction 'sideways'"):
        render_cash_box(replace(CASH_OUT, direction="sideways"))


def test_text_is_escaped_and_control_characters_replaced():
    odd = replace(SALE, cashier_name='Иванов "Шеф" & <Ко>\x07', card="27\x00")
    data = render_receipt(odd)
    assert 'Иванов "Шеф" &amp; &lt;Ко&gt;\ufffd'.encode() in data
    back = parse_export(data)
    assert back.cashier_name == 'Иванов "Шеф" & <Ко>\ufffd' and back.card == "27\ufffd"


def test_negative_and_large_amounts_keep_exact_kopecks():
    big = replace(SALE, total=123_456_789_012_345, change=-1)
    text = render_receipt(big).decode()
    assert "<total>1234567890123.45</total>" in text and "<change>-0.01</change>" in text
    assert parse_export(text.encode()) == big


@pytest.mark.parametrize("doc", [SALE, RETURN, OPEN, CASH_OUT, close_of([SALE, RETURN])])
def test_render_then_parse_gives_the_same_document(doc):
    assert parse_export(render_export(doc)) == doc


def test_reader_accepts_lowercase_cashbox_and_kkm_as_elements():
    cash = (
        render_cash_box(CASH_OUT)
        .replace(b"<cashBox ", b"<cashbox ")
        .replace(b"</cashBox>", b"</cashbox>")
    )
    assert parse_export(cash) == CASH_OUT
    shift = close_of([SALE])
    text = render_shift_close(shift).decode()
    as_elements = text.replace(
        ' kkm_shift_number="215" kkm_serial_number="0492000000123456" '
        'kkm_registration_number="0001234567012345" kkm_model_name="АТОЛ 30Ф">',
        ">\n  <kkm_shift_number>215</kkm_shift_number><kkm_serial_number>0492000000123456"
        "</kkm_serial_number><kkm_registration_number>0001234567012345</kkm_registration_number>"
        "<kkm_model_name>АТОЛ 30Ф</kkm_model_name>",
    )
    assert "kkm_shift_number=" not in as_elements
    assert parse_export(as_elements.encode()) == shift
    opened = render_shift_open(OPEN).decode()
    as_attr = opened.replace('version="1">', 'version="1" kkm_shift_number="215">').replace(
        "  <kkm_shift_number>215</kkm_shift_number>\n", ""
    )
    assert parse_export(as_attr.encode()) == OPEN


def test_reader_errors_name_line_and_field():
    text = SALE_XML.replace("<price>89.90</price>", "<price>89,90</price>")
    with pytest.raises(ExportFormatError) as err:
        parse_export(text.encode(), file="receipt_[17]_[3]_[88412]_[51]_[1].xml")
    assert (err.value.line, err.value.field) == (9, "receipt/item/price")
    assert str(err.value).startswith(
        "receipt_[17]_[3]_[88412]_[51]_[1].xml line 9, field receipt/item/price:"
    )
    with pytest.raises(
        ExportFormatError, match="field receipt/@posNum: the attribute posNum is missing"
    ):
        parse_export(SALE_XML.replace(' posNum="3"', "").encode())
    with pytest.raises(ExportFormatError, match="receipt/cashierCode: missing"):
        parse_export(SALE_XML.replace("<cashierCode>104</cashierCode>", "").encode())
    with pytest.raises(ExportFormatError, match="not a date"):
        parse_export(SALE_XML.replace("2024-03-15T12:31:07", "15.03.2024 12:31").encode())
    with pytest.raises(ExportFormatError, match="'refund' is not one of"):
        parse_export(SALE_XML.replace("<type>sale</type>", "<type>refund</type>").encode())
    with pytest.raises(ExportFormatError, match="unknown root <report>"):
        parse_export(b"<report/>")
    with pytest.raises(ExportFormatError, match="malformed") as err:
        parse_export(SALE_XML.replace("</item>", "</itm>").encode())
    assert err.value.line == 20
    with pytest.raises(ExportFormatError, match="DOCTYPE"):
        parse_export(b'<!DOCTYPE receipt [<!ENTITY x SYSTEM "file:///etc/passwd">]><receipt/>')


def test_write_export_and_parse_export_file(tmp_path):
    path = write_export(tmp_path, SALE)
    assert path.name == "receipt_[17]_[3]_[88412]_[51]_[1].xml"
    assert path.read_bytes() == SALE_XML.encode()
    assert parse_export_file(path) == SALE


def test_write_atomically_overwrites_and_leaves_no_temporary(tmp_path):
    write_atomically(tmp_path, "a.xml", b"old")
    path = write_atomically(tmp_path, "a.xml", b"new")
    assert path == tmp_path / "a.xml" and path.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xml"]


def test_write_atomically_file_is_readable_by_others(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_atomically(tmp_path, "a.xml", b"x")
    finally:
        os.umask(old)
    if os.name != "nt":
        assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_write_atomically_never_shows_a_half_file(tmp_path, monkeypatch):
    target = tmp_path / "receipt.xml"
    target.write_bytes(b"old complete file")
    seen = {}
    real_replace = os.replace

    def observing_replace(src, dst):
        seen["target_before"] = target.read_bytes()
        seen["temp"] = os.path.basename(src)
        seen["temp_content"] = open(src, "rb").read()
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", observing_replace)
    write_atomically(tmp_path, "receipt.xml", b"new complete file")
    assert seen["target_before"] == b"old complete file"
    assert seen["temp_content"] == b"new complete file"
    assert seen["temp"].startswith(".receipt.xml.") and seen["temp"].endswith(".tmp")
    assert target.read_bytes() == b"new complete file"


def test_write_atomically_failure_keeps_the_old_file(tmp_path, monkeypatch):
    (tmp_path / "a.xml").write_bytes(b"old")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        write_atomically(tmp_path, "a.xml", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xml"]
    assert (tmp_path / "a.xml").read_bytes() == b"old"


def test_write_atomically_refuses_paths_as_names(tmp_path):
    for bad in ("", "..", "sub/a.xml", "../a.xml"):
        with pytest.raises(ValueError, match="plain file name"):
            write_atomically(tmp_path, bad, b"x")


def test_the_fiscal_data_are_written_and_read_back():
    import dataclasses

    from ukm_actors.codecs.ukm_export import ExportFiscal

    fiscal = ExportFiscal(
        fn="9999078900012345",
        fd=42,
        fp="0123456789",
        shift=3,
        number=7,
        date_time="2024-03-01T10:15:00+03:00",
    )
    sale = dataclasses.replace(SALE, fiscal=fiscal, kkm_receipt_number=7)
    data = render_receipt(sale)
    assert b'<fiscal fn="9999078900012345" fd="42" fp="0123456789"' in data
    assert parse_export(data) == sale
