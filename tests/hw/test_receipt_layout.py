"""The receipt layout: pure, no printer."""

from hypothesis import given
from hypothesis import strategies as st

from tests.hw.samples import sale
from ukm_actors.hw.receipt import (
    DiscountLine,
    PrintCode,
    PrintLine,
    ReceiptLine,
    TotalLine,
    receipt_text,
    render_receipt,
    two_columns,
)


def texts(items):
    return [i.text for i in items if isinstance(i, PrintLine)]


def test_a_sale_has_header_title_lines_totals_payments_change_footer_and_code():
    items = render_receipt(sale(), 42)
    lines = texts(items)
    assert items[0] == PrintLine("ООО Ромашка", "center")
    assert PrintLine("КАССОВЫЙ ЧЕК / ПРИХОД", "center", bold=True) in items
    assert "Магазин 12                         Касса 3" in lines
    assert "Смена 15                            Чек 42" in lines
    assert "12.03.2024                           14:05" in lines
    assert "Молоко 3.2% 1л" in lines
    assert "  2 x 89.90                         179.80" in lines
    assert "  Скидка: Молочная неделя           -17.98" in lines
    assert "  0.350 кг x 129.00                  45.15" in lines
    assert PrintLine("ИТОГО                               206.97", bold=True) in items
    assert "НАЛИЧНЫМИ                           300.00" in lines
    assert "СДАЧА                                93.03" in lines
    assert PrintLine("Спасибо за покупку!", "center") in items
    assert items[-1] == PrintCode("t=20240312T1405&s=206.97", "qr")


def test_no_change_line_when_change_is_none_and_no_code_when_empty():
    items = render_receipt(sale(change=None, code=""), 42)
    assert not any(t.startswith("СДАЧА") for t in texts(items))
    assert not any(isinstance(i, PrintCode) for i in items)


def test_reports_and_cash_documents_have_their_titles():
    for kind, title in [
        ("x-report", "X-ОТЧЁТ"),
        ("z-report", "Z-ОТЧЁТ (ЗАКРЫТИЕ СМЕНЫ)"),
        ("cash-in", "ВНЕСЕНИЕ"),
        ("cash-out", "ИЗЪЯТИЕ"),
        ("return", "КАССОВЫЙ ЧЕК / ВОЗВРАТ ПРИХОДА"),
    ]:
        doc = sale(kind=kind, lines=(), totals=(TotalLine("Продажи", 100000),))
        assert title in texts(render_receipt(doc, 42))


def test_a_long_name_wraps_and_the_amount_stays_on_the_last_line():
    assert two_columns("Молоко ультрапастеризованное Домик в деревне", "179.80", 24) == [
        "Молоко",
        "ультрапастеризованное",
        "Домик в деревне   179.80",
    ]


def test_a_right_column_too_long_for_the_line_goes_below():
    assert two_columns("Кассир", "Константинопольская-Щедрина А.", 24) == [
        "Кассир",
        "    Константинопольская-",
        "              Щедрина А.",
    ]


def test_plain_text_form_centres_and_shows_the_code():
    text = receipt_text(render_receipt(sale(), 42), 42)
    assert "          КАССОВЫЙ ЧЕК / ПРИХОД\n" in text
    assert "[QR: t=20240312T1405&s=206.97]" in text


words = st.text(alphabet="абвгдежзиклмнопрстуфхцчшщыэюяABC0123456789 %.-", max_size=120)


@given(
    width=st.integers(20, 64),
    name=words,
    campaign=words,
    cashier=words,
    amount=st.integers(0, 10**11),
)
def test_every_line_fits_the_paper(width, name, campaign, cashier, amount):
    doc = sale(
        cashier=cashier,
        lines=(ReceiptLine(name, "1", amount, amount, (DiscountLine(campaign, amount),)),),
        totals=(TotalLine(name, amount),),
        header=(name,),
    )
    for item in render_receipt(doc, width):
        if isinstance(item, PrintLine):
            assert len(item.text) <= width, item


def test_an_amount_that_does_not_fit_beside_the_text_gets_its_own_line():
    assert two_columns("Кофе в зёрнах Lavazza", "1234567.89", 24) == [
        "Кофе в зёрнах Lavazza",
        "              1234567.89",
    ]
