"""A refused import file's reason, hint and notes in Russian and English (docs/i18n.md):
the parsers' messages are i18n texts, translated where they meet their reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from ukm_actors.codecs.ukm_import import ImportFormatError, open_import
from ukm_actors.exchange.folder import Refusal
from ukm_actors.i18n import localize

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def refusal_of(tmp_path: Path, name: str, body: str) -> tuple[ImportFormatError, list[str]]:
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    f = None
    with pytest.raises(ImportFormatError) as err:
        with open_import(path, strict=False) as f:
            for _ in f.records():
                pass
    return err.value, (f.notes.lines() if f is not None else [])


def test_a_comma_in_a_price_reads_in_russian_and_in_english(tmp_path):
    exc, _notes = refusal_of(
        tmp_path,
        "storePrices_[17]_[40]_[I].xml",
        '<storePrices fullness="I" storeId="17">\n<version>1</version>\n'
        "<price><article>1</article><value>89,90</value></price>\n</storePrices>\n",
    )
    assert str(exc) == (
        "storePrices_[17]_[40]_[I].xml line 4, field price/value: '89,90' uses a comma; "
        "write a decimal point, e.g. '89.90'"
    )
    assert exc.text().in_language("en") == str(exc)
    assert exc.text().in_language("ru") == (
        "storePrices_[17]_[40]_[I].xml, строка 4, поле «price/value»: '89,90' записано с "
        "запятой; пишите десятичную точку, например '89.90'"
    )


def test_a_hint_and_a_missing_field_read_in_russian(tmp_path):
    exc, _notes = refusal_of(
        tmp_path,
        "updateItems_[20]_[I].xml",
        '<!DOCTYPE x [<!ENTITY a "b">]>\n<updateItems fullness="I"></updateItems>\n',
    )
    assert exc.hint is not None
    ru = exc.text().in_language("ru")
    assert ru.startswith("updateItems_[20]_[I].xml, строка 2: в файле есть объявление DOCTYPE")
    assert ru.endswith("(удалите блок <!DOCTYPE ...>; файлам УКМ он не нужен)")
    exc, _notes = refusal_of(
        tmp_path,
        "updateItems_[21]_[I].xml",
        '<updateItems fullness="I"><version>1</version>\n<item><name>X</name></item>\n'
        "</updateItems>\n",
    )
    assert exc.text().in_language("ru") == (
        "updateItems_[21]_[I].xml, строка 3, поле «item/article»: отсутствует: "
        "в каждом <item> нужен <article>"
    )
    assert exc.text().in_language("en") == (
        "updateItems_[21]_[I].xml line 3, field item/article: missing: "
        "every <item> needs a <article>"
    )


def test_what_was_assumed_and_the_error_txt_read_in_russian(tmp_path):
    exc, notes = refusal_of(
        tmp_path,
        "updateItems_[22]_[I].xml",
        '<updateItems fullness="I"><version>1</version>\n'
        "<item><article>1</article><name>X</name><SubExcise>yes</SubExcise></item>\n"
        "<item><article>1</article><name>Y</name></item>\n</updateItems>\n",
    )
    ru_notes = localize(notes, "ru")
    assert (
        "item/measure: отсутствует; товар продаётся поштучно (шт) (записей: 2, первая в строке 3)"
        in ru_notes
    )
    assert (
        "item/SubExcise: не 0 и не 1; принято за 0 (записей: 1, первая в строке 3, например 'yes')"
        in ru_notes
    )
    assert (
        "item/SubExcise: not 0 or 1; taken as 0 (1 record(s), first at line 3, e.g. 'yes')" in notes
    )
    refusal = Refusal(exc.file, exc.text(), exc.line, exc.field, "resend it", notes)
    ru = refusal.text()  # the node's language by default: Russian
    assert "файл:    updateItems_[22]_[I].xml\nстрока:  4\nполе:    item/article\n" in ru
    assert "артикул 1 встречается в файле дважды (первый раз в строке 3)" in ru
    assert "Из этого файла ничего не загружено" in ru
    assert "Прочитано до ошибки (предупреждения и допущения):\n- item/" in ru
    assert "\n- item/SubExcise: не 0 и не 1; принято за 0" in ru
    en = refusal.text("en")
    assert "line:    4\nfield:   item/article\n" in en
    assert "article 1 appears twice in this file (first at line 3)" in en
