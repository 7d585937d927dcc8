"""Generated import data for tests and benchmarks.

``write_catalog`` streams a valid ``updateItems`` file of any size (a
million items is fine: nothing is kept in memory); ``write_catalog_set``
adds the ``taxes`` and ``classif`` files its items refer to. The record
helpers give small consistent directories (stores, cashiers, prices ...)
and :func:`write_import_file` (re-exported from ``ukm_writers``) writes any
of them. Everything is deterministic for a given ``seed``.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

from ukm_actors.codecs.ukm_records import (
    BarcodeRecord,
    CashierRecord,
    ClassifRecord,
    ItemRecord,
    PriceRecord,
    TaxGroupRecord,
    TaxRecord,
)
from ukm_actors.codecs.ukm_writers import write_import_file
from ukm_actors.domain.inn import inn_check_digits
from ukm_actors.domain.money import ONE

__all__ = [
    "catalog_items",
    "ean13",
    "sample_cashiers",
    "sample_classif",
    "sample_inn",
    "sample_prices",
    "sample_taxes",
    "write_catalog",
    "write_catalog_set",
    "write_import_file",
]

_GOODS = tuple(
    "Кефир Молоко Ряженка Сметана Творог Сыр Хлеб Батон Печенье Чай Кофе Сок Вода Макароны "
    "Рис Гречка Сахар Соль Масло Яблоки Бананы Картофель Морковь Колбаса Сосиски Пельмени "
    "Шоколад".split()
)
_KINDS = ("классический", "отборный", "домашний", "фермерский", "«Весёлый молочник»", "& Co")
_WEIGHED = ("Яблоки", "Бананы", "Картофель", "Морковь", "Колбаса", "Сыр")
_NAMES = (
    "Петрова Анна Сергеевна",
    "Иванов Пётр Ильич",
    "Сидорова Мария Олеговна",
    "Кузнецов Олег Викторович",
    "Смирнова Елена Андреевна",
)


def ean13(number: int, prefix: str = "46") -> str:
    """A valid EAN-13 built from ``prefix`` and ``number`` (check digit computed)."""
    body = f"{prefix}{number:0{12 - len(prefix)}d}"
    if len(body) != 12:
        raise ValueError("number too large for an EAN-13 with this prefix")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def sample_inn(n: int, person: bool = True) -> str:
    """A valid synthetic INN (12 digits for a person, 10 for an organisation)."""
    body = f"77{n:08d}" if person else f"77{n:07d}"
    return body + inn_check_digits(body)


def sample_taxes() -> list[TaxRecord | TaxGroupRecord]:
    """VAT 20%, 10% and none, each with its tax group (ids 1, 2, 3)."""
    return [
        TaxRecord("1", "НДС 20%", 2000),
        TaxRecord("2", "НДС 10%", 1000),
        TaxRecord("3", "Без НДС", 0),
        TaxGroupRecord("1", "НДС 20%", "1"),
        TaxGroupRecord("2", "НДС 10%", "2"),
        TaxGroupRecord("3", "Без НДС", "3"),
    ]


def sample_classif(groups: int = 50) -> list[ClassifRecord]:
    """``groups`` groups with ids ``"1"``..: a tenth of them top-level, the rest below."""
    top = max(1, groups // 10)
    out = []
    for g in range(1, groups + 1):
        parent = None if g <= top else str((g - 1) % top + 1)
        out.append(ClassifRecord(str(g), parent, f"{_GOODS[g % len(_GOODS)]}: группа {g}"))
    return out


def catalog_items(n_items: int, *, groups: int = 50, seed: int = 0) -> Iterator[ItemRecord]:
    """``n_items`` items with unique articles and barcodes, generated lazily.

    Articles are ``"000001"``..; about one item in seven is weighed (kg, step
    0.001), one in five has a second barcode for a pack of six, one in
    twenty is EGAIS alcohol.
    """
    rnd = random.Random(seed)
    for i in range(1, n_items + 1):
        good = _GOODS[rnd.randrange(len(_GOODS))]
        weighed = good in _WEIGHED and i % 7 == 0
        alcohol = i % 20 == 0
        barcodes = [BarcodeRecord(ean13(2 * i))]
        if i % 5 == 0 and not weighed:
            barcodes.append(BarcodeRecord(ean13(2 * i + 1), 6 * ONE))
        yield ItemRecord(
            article=f"{i:06d}",
            name=f"{good} {_KINDS[rnd.randrange(len(_KINDS))]} {rnd.randrange(100, 1000)} г",
            measure="кг" if weighed else "шт",
            measprec="0.001" if weighed else "1",
            group_id=str(rnd.randrange(1, groups + 1)),
            taxgroup_id="2" if good in ("Молоко", "Кефир", "Хлеб") else "1",
            egais_type=1 if alcohol else 0,
            alc_codes=(f"{rnd.randrange(10**18, 10**19)}",) if alcohol else (),
            sub_excise=alcohol,
            barcodes=tuple(barcodes),
        )


def write_catalog(
    path: str | os.PathLike[str],
    n_items: int,
    *,
    groups: int = 50,
    seed: int = 0,
    fullness: str = "F",
) -> Path:
    """Stream an ``updateItems`` file of ``n_items`` generated items to ``path``."""
    items = catalog_items(n_items, groups=groups, seed=seed)
    return write_import_file(path, "updateItems", items, fullness)


def write_catalog_set(
    directory: str | os.PathLike[str],
    n_items: int,
    *,
    groups: int = 50,
    seed: int = 0,
    number: int = 1,
) -> list[Path]:
    """``taxes``, ``classif`` and ``updateItems`` F files numbered ``number``, consistent."""
    return [
        write_import_file(directory, "taxes", sample_taxes(), "F", number=number),
        write_import_file(directory, "classif", sample_classif(groups), "F", number=number),
        write_import_file(
            directory,
            "updateItems",
            catalog_items(n_items, groups=groups, seed=seed),
            "F",
            number=number,
        ),
    ]


def sample_cashiers(store_id: str, n: int = 3) -> list[CashierRecord]:
    """``n`` cashiers of a store: ids 101.., role 1 (cashier), valid personal INNs."""
    return [
        CashierRecord(store_id, 100 + k, _NAMES[k % len(_NAMES)], 1, sample_inn(k), f"{7740 + k}")
        for k in range(1, n + 1)
    ]


def sample_prices(store_id: str, n_items: int, *, seed: int = 0) -> Iterator[PriceRecord]:
    """A price for each of the first ``n_items`` generated articles (10.00 to 999.99)."""
    rnd = random.Random(seed)
    for i in range(1, n_items + 1):
        yield PriceRecord(store_id, f"{i:06d}", rnd.randrange(1000, 100_000))
