"""Sample documents for the hardware tests."""

from datetime import datetime

from ukm_actors.hw.receipt import (
    DiscountLine,
    PaymentLine,
    PrintableReceipt,
    ReceiptLine,
    TotalLine,
)


def sale(**changes):
    fields = dict(
        kind="sale",
        store="12",
        till="3",
        shift=15,
        number=42,
        date=datetime(2024, 3, 12, 14, 5),
        cashier="Иванова А.",
        lines=(
            ReceiptLine(
                "Молоко 3.2% 1л",
                "2",
                8990,
                17980,
                (DiscountLine("Молочная неделя", 1798),),
            ),
            ReceiptLine("Бананы", "0.350 кг", 12900, 4515),
        ),
        totals=(TotalLine("ИТОГО", 20697, bold=True),),
        payments=(PaymentLine("НАЛИЧНЫМИ", 30000),),
        change=9303,
        header=("ООО Ромашка",),
        footer=("Спасибо за покупку!",),
        code="t=20240312T1405&s=206.97",
    )
    fields.update(changes)
    return PrintableReceipt(**fields)
