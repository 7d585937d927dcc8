"""People-facing texts in the reader's language: gettext catalogs built with Babel.

Every message a cashier or store staff reads is written in English in the
code, wrapped in ``_()``::

    raise SaleError(_("receipt {number} is open; finish or cancel it", number=n))

``_()`` returns a ``Text``: a ``str`` holding the English text (so logs,
comparisons and ``str`` APIs keep working) that also remembers its message
id and parameters. Where the text meets its reader (an HTTP answer), it is
translated into the reader's language with ``translate()`` / ``localize()``.
Parameters that are ``Text`` themselves are translated too, so a message
composed of messages reads in one language.

Catalogs: ``ukm_actors/i18n/locale/<lang>/LC_MESSAGES/ukm.po`` (sources) and
``ukm.mo`` (compiled by Babel, shipped next to them; when the ``.mo`` is
missing or older than its ``.po``, the ``.po`` is compiled in memory). See
docs/i18n.md for adding a message or a language.
"""

from __future__ import annotations

import gettext
import logging
import string
from collections.abc import Iterable, Mapping
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DOMAIN = "ukm"
LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"
"""The language messages are written in (the message ids)."""
DEFAULT_LANGUAGE = "ru"
LANGUAGES: tuple[str, ...] = ("ru", "en")
"""Languages people may choose; the first is the default."""


class Text(str):
    """A message for a person: the English text, translatable later into any language."""

    msgid: str
    params: Mapping[str, object]

    def __new__(cls, msgid: str, /, **params: object) -> Text:
        value = msgid.format(**params) if params else msgid
        self = super().__new__(cls, value)
        self.msgid = msgid
        self.params = params
        return self

    def in_language(self, language: str) -> str:
        """This text in ``language`` (English when there is no translation)."""
        return str(translate(self, language))


def _(msgid: str, /, **params: object) -> Text:
    """Mark ``msgid`` (English, ``{name}`` placeholders) as a message and fill it in."""
    return Text(msgid, **params)


def N_(msgid: str) -> str:
    """Mark a constant for extraction without making it a ``Text`` (translate it when shown)."""
    return msgid


def placeholders(template: str) -> frozenset[str]:
    """The ``{name}`` fields of a message template (literal JSON braces are not fields)."""
    try:
        fields = [f for _lit, f, _spec, _conv in string.Formatter().parse(template) if f]
    except ValueError:
        return frozenset()
    return frozenset(f for f in fields if f.isidentifier())


@lru_cache(maxsize=16)
def catalog(language: str) -> gettext.NullTranslations:
    """The translations of ``language`` (a ``NullTranslations`` for English or unknown)."""
    if language == SOURCE_LANGUAGE or language not in LANGUAGES:
        return gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime + 2 >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if po.exists():
        log.info("i18n: %s is missing or older than its .po; compiling it in memory", mo)
        return gettext.GNUTranslations(BytesIO(compile_po(po)))
    log.warning("i18n: no catalog for %s in %s; showing English", language, folder)
    return gettext.NullTranslations()


def compile_po(po: Path) -> bytes:
    """The ``.mo`` bytes of a ``.po`` file (Babel)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        cat = read_po(fh)
    out = BytesIO()
    write_mo(out, cat)
    return out.getvalue()


def gettext_for(language: str, msgid: str) -> str:
    """The translation of one message id (the id itself when there is none)."""
    return catalog(language).gettext(msgid) if msgid else msgid


def translate(text: object, language: str) -> Any:
    """``text`` in ``language`` when it is a ``Text``; anything else unchanged."""
    if not isinstance(text, Text) or language == SOURCE_LANGUAGE:
        return text
    template = gettext_for(language, text.msgid)
    if not text.params:
        return template
    params = {k: translate(v, language) for k, v in text.params.items()}
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        log.error(
            "i18n: the %s translation of %r does not fit its parameters", language, text.msgid
        )
        return str(text)


def localize(obj: Any, language: str) -> Any:
    """A copy of a JSON-like value with every ``Text`` in it translated."""
    if language == SOURCE_LANGUAGE:
        return obj
    if isinstance(obj, Text):
        return translate(obj, language)
    if isinstance(obj, dict):
        return {k: localize(v, language) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [localize(v, language) for v in obj]
    return obj


def to_wire(text: object) -> dict[str, Any] | None:
    """A ``Text`` as JSON (``{"msgid", "params"}``) so another node can translate it; else None."""
    if not isinstance(text, Text):
        return None
    params: dict[str, Any] = {}
    for k, v in text.params.items():
        wired = to_wire(v)
        if wired is not None:
            params[k] = wired
        elif isinstance(v, int | float) and not isinstance(v, bool):
            params[k] = v
        else:
            params[k] = str(v)
    return {"msgid": text.msgid, "params": params}


def from_wire(wired: object, fallback: str) -> str:
    """The ``Text`` that ``to_wire`` sent, or ``fallback`` when ``wired`` is not one."""
    if not isinstance(wired, dict) or not isinstance(wired.get("msgid"), str):
        return fallback
    raw = wired.get("params")
    params: dict[str, object] = {}
    if isinstance(raw, dict):
        for k, v in raw.items():
            params[str(k)] = from_wire(v, str(v)) if isinstance(v, dict) else v
    try:
        return Text(wired["msgid"], **params)
    except (KeyError, IndexError, ValueError):
        return fallback


def wire_all(obj: Any) -> Any:
    """A JSON-like value with every ``Text`` in it as ``to_wire`` makes it (to store it)."""
    if isinstance(obj, Text):
        return to_wire(obj)
    if isinstance(obj, dict):
        return {k: wire_all(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [wire_all(v) for v in obj]
    return obj


def unwire_all(obj: Any) -> Any:
    """The value ``wire_all`` made, with its ``Text`` again (a dict holding a ``msgid``)."""
    if isinstance(obj, dict):
        if isinstance(obj.get("msgid"), str):
            return from_wire(obj, str(obj["msgid"]))
        return {k: unwire_all(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [unwire_all(v) for v in obj]
    return obj


def choose(preferred: Iterable[str], default: str = DEFAULT_LANGUAGE) -> str:
    """The first of ``preferred`` (``"en-US"``, ``"ru"`` …) that we speak, else ``default``."""
    for tag in preferred:
        lang = tag.strip().lower().replace("_", "-").split("-")[0]
        if lang in LANGUAGES:
            return lang
    return default if default in LANGUAGES else DEFAULT_LANGUAGE


def parse_accept_language(header: str) -> list[str]:
    """The languages of an ``Accept-Language`` header, most wanted first."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, _sep, rest = part.strip().partition(";")
        if not tag or tag == "*":
            continue
        q = 1.0
        if rest.strip().startswith("q="):
            try:
                q = float(rest.strip()[2:])
            except ValueError:
                q = 0.0
        if q > 0:
            ranked.append((-q, i, tag))
    return [tag for _q, _i, tag in sorted(ranked)]


def messages(language: str, msgids: Iterable[str]) -> dict[str, str]:
    """``{msgid: translation}`` for the given ids (what a web page needs for its own texts)."""
    return {m: gettext_for(language, m) for m in msgids}


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "N_",
    "Text",
    "_",
    "choose",
    "from_wire",
    "localize",
    "messages",
    "parse_accept_language",
    "to_wire",
    "translate",
    "unwire_all",
    "wire_all",
]
