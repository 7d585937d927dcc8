"""What the till prints: the printable form of a receipt, kept as JSON in the print queue."""

from ukm_actors.codecs.tilldocs import LineDiscountDoc, PaymentDoc, ReceiptDoc, ReceiptLineDoc
from ukm_actors.hw.receipt import receipt_text, render_receipt
from ukm_actors.nodes.till.sale.printing import (
    printable_from_json,
    printable_to_json,
    receipt_printable,
)


def _doc() -> ReceiptDoc:
    return ReceiptDoc(
        receipt_id="7f1c2e9a-0000-4000-8000-000000000001",
        store="17",
        till=1,
        shift_num=2,
        number=5,
        kind="sale",
        state="completed",
        opened_at="2026-12-01T10:00:00",
        closed_at="2026-12-01T10:02:30",
        closed_at_utc="2026-12-01T07:02:30Z",
        cashier_code="1",
        cashier_name="Иванова",
        total=16182 + 400,
        change=418,
        lines=(
            ReceiptLineDoc(
                1,
                "100",
                "Молоко 1 л",
                "шт",
                2000,
                8990,
                17980,
                1798,
                16182,
                discounts=(LineDiscountDoc("c10", "10% на молоко", 1798),),
            ),
            ReceiptLineDoc(2, "123", "Сыр весовой", "кг", 5, 80000, 400, 0, 400),
            ReceiptLineDoc(3, "101", "Хлеб", "шт", 1000, 4500, 4500, 0, 4500, voided=True),
        ),
        payments=(PaymentDoc("card", 10000, "000000000001"), PaymentDoc("cash", 7000)),
    )


def test_a_receipt_prints_its_lines_discounts_payments_and_change():
    p = receipt_printable(_doc(), ("ООО Ромашка",), ("Спасибо!",), "qr")
    text = receipt_text(render_receipt(p, 42))
    assert "Хлеб" not in text  # a voided line is not printed
    for expected in (
        "ООО Ромашка",
        "Молоко 1 л",
        "2 x 89.90",
        "Скидка: 10% на молоко",
        "-17.98",
        "0.005 кг x 800.00",
        "СКИДКА",
        "ИТОГО",
        "165.82",
        "КАРТОЙ",
        "НАЛИЧНЫМИ",
        "СДАЧА",
        "4.18",
        "Спасибо!",
        "[QR: 7f1c2e9a",
    ):
        assert expected in text, expected


def test_the_print_queue_keeps_the_printable_exactly():
    p = receipt_printable(_doc(), ("a", "b"), ("c",), "code128")
    assert printable_from_json(printable_to_json(p)) == p
