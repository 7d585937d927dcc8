"""The translation mechanism: every marked message is translated, catalogs are compiled, the
reader's language is chosen per request, and texts composed of texts read in one language."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from ukm_actors.i18n import (
    LANGUAGES,
    LOCALE_DIR,
    SOURCE_LANGUAGE,
    _,
    choose,
    compile_po,
    from_wire,
    localize,
    parse_accept_language,
    placeholders,
    to_wire,
    translate,
)

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE]


def code_messages() -> set[str]:
    """Every message id marked in the package (what `make messages` extracts)."""
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords={"_": None, "N_": None, "t": None},
    )
    return {msg if isinstance(msg, str) else msg[0] for _f, _l, msg, _c, _x in found}


def po(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "ukm.po").open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_marked_message_has_a_translation_with_the_same_placeholders(lang):
    ids = code_messages()
    assert len(ids) > 200  # the till's messages are marked
    cat = po(lang)
    missing = sorted(m for m in ids if not (cat.get(m) and cat.get(m).string))
    assert not missing, f"not translated into {lang} (run `make messages`): {missing}"
    fuzzy = sorted(m.id for m in cat if m.id and m.fuzzy)
    assert not fuzzy, f"fuzzy {lang} translations to check: {fuzzy}"
    wrong = [m.id for m in cat if m.id and placeholders(m.id) != placeholders(m.string)]
    assert not wrong, f"{lang} translations whose {{placeholders}} differ: {wrong}"
    # Babel's own checks, which `make compile-messages` runs (a "% o" in a text reads as a
    # printf placeholder to them, and then the catalog does not compile)
    checked = [(m.id, [str(e) for e in m.check(cat)]) for m in cat if m.id]
    failing = [(mid, errs) for mid, errs in checked if errs]
    assert not failing, f"{lang} messages Babel refuses to compile: {failing}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_shipped_mo_is_the_compiled_po(lang, tmp_path):
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    fresh = tmp_path / "fresh.mo"
    fresh.write_bytes(compile_po(folder / "ukm.po"))
    with (folder / "ukm.mo").open("rb") as shipped, fresh.open("rb") as compiled:
        a, b = gettext.GNUTranslations(shipped), gettext.GNUTranslations(compiled)
    assert a._catalog == b._catalog, "ukm.mo is stale: run `make compile-messages`"


def test_a_text_is_english_until_translated_and_composes_in_one_language():
    inner = _("wrong cashier code or password; try again")
    outer = _("{message}; the receipt is still open: pay another way", message=inner)
    assert outer == (
        "wrong cashier code or password; try again; the receipt is still open: pay another way"
    )
    ru = translate(outer, "ru")
    assert ru.startswith("неверный код или пароль кассира") and "чек остаётся открытым" in ru
    assert "receipt" not in ru
    body = localize({"error": outer, "list": [inner, 5, None], "plain": "as is"}, "ru")
    assert body["error"] == ru and body["list"][0].startswith("неверный")
    assert body["plain"] == "as is"


def test_texts_cross_nodes_translatable():
    text = _("the {label} did not answer within {timeout:g} s", label=_("scales"), timeout=2.5)
    back = from_wire(to_wire(text), "fallback")
    assert back == str(text) and translate(back, "ru") == "весы: нет ответа за 2.5 с"
    assert from_wire(None, "plain") == "plain"
    assert from_wire({"msgid": "{missing}", "params": {"x": 1}}, "plain") == "plain"


def test_the_readers_language():
    assert parse_accept_language("de-DE,de;q=0.9,en;q=0.8,ru;q=0.5") == ["de-DE", "de", "en", "ru"]
    assert choose(parse_accept_language("de-DE,de;q=0.9,en;q=0.8")) == "en"
    assert choose(parse_accept_language("ru-RU")) == "ru"
    assert choose(parse_accept_language("de"), "en") == "en"
    assert choose([]) == "ru"  # the default
