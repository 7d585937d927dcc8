"""Field access for one record element of an import file.

:class:`Fields` reads the children of a record element by attribute name
(tags come from :data:`ukm_schema.RECORD_TAGS`) and turns each value into a
typed one, or raises :class:`ImportFormatError` naming the line and the
field path (``item/barcode/quantity``).

Rules common to all fields: values are stripped of surrounding whitespace;
a required field must be present and non-empty; an optional field that is
empty counts as absent; a field may appear once unless it is a list
(barcodes); an unknown child element is an error in strict mode and is
counted in ``ReadContext.ignored`` otherwise. In a record marked
``<deleted>1</deleted>`` only the key fields (``RECORD_KEYS``) are required.

Fields whose meaning the vendor does not document ([INF]/[UNK] in
``docs/exchange.md``) are read leniently: a value that cannot be used is
replaced by a stated default and noted in ``ReadContext.notes`` (once per
field and kind of problem, with a count, the first line and an example),
never a reason to refuse the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lxml import etree

from ukm_actors.codecs.errors import ImportFormatError
from ukm_actors.codecs.ukm_schema import DELETED, RECORD_TAGS, record_keys_of
from ukm_actors.domain.inn import InnError, validate_inn
from ukm_actors.domain.money import (
    ONE,
    AmountFormatError,
    Money,
    Quantity,
    parse_money,
    parse_quantity,
)
from ukm_actors.i18n import Text, _

Element = Any  # lxml's _Element; kept loose so the stubs' generics do not leak everywhere

MAX_CODE = 40
MAX_STORE_CODE = 100
MAX_INT = 2**31 - 1
MAX_NOTES = 100
"""Distinct notes kept per file (each counts every record it applies to)."""


class Notes:
    """What was assumed while reading or loading one file: one entry per field path and
    kind of problem, with how many records it applies to, the first line and an example."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], list[Any]] = {}

    def add(
        self, path: str, what: str, line: int | None = None, example: str | None = None
    ) -> None:
        """Note that ``what`` happened to field ``path`` (of a record at ``line``)."""
        entry = self.entries.get((path, what))
        if entry is not None:
            entry[0] += 1
        elif len(self.entries) < MAX_NOTES:
            shown = None if example is None else example[:40]
            self.entries[(path, what)] = [1, line, shown]

    def update(self, entries: dict[tuple[str, str], list[Any]]) -> None:
        """Add the entries of another :class:`Notes` (e.g. from a helper process)."""
        for key, (count, line, example) in entries.items():
            mine = self.entries.get(key)
            if mine is not None:
                mine[0] += count
            elif len(self.entries) < MAX_NOTES:
                self.entries[key] = [count, line, example]

    def lines(self) -> list[str]:
        """One text per entry (a ``Text``), in the order they first happened."""
        out: list[str] = []
        for (path, what), (count, line, example) in self.entries.items():
            out.append(_note(path, what, count, line, example))
        return out

    def __bool__(self) -> bool:
        return bool(self.entries)


def _note(path: str, what: str, count: int, line: int | None, example: str | None) -> Text:
    args = {"path": path, "what": what, "count": count}
    if line and example is not None:
        return _(
            "{path}: {what} ({count} record(s), first at line {line}, e.g. {example})",
            line=line,
            example=repr(example),
            **args,
        )
    if line:
        return _("{path}: {what} ({count} record(s), first at line {line})", line=line, **args)
    if example is not None:
        return _(
            "{path}: {what} ({count} record(s), e.g. {example})", example=repr(example), **args
        )
    return _("{path}: {what} ({count} record(s))", **args)


class SkipRecord(Exception):
    """Raised by a reader: this record cannot be used; note why and go on with the next."""

    def __init__(self, path: str, what: str, line: int | None, example: str | None = None):
        super().__init__(f"{path}: {what}")
        self.path = path
        self.what = what
        self.line = line
        self.example = example


@dataclass
class ReadContext:
    """What a record reader needs to know about the file it reads."""

    file: str
    type_name: str
    store_id: str | None
    strict: bool = True
    ignored: Counter[str] = field(default_factory=Counter)
    notes: Notes = field(default_factory=Notes)

    def error(self, line: int | None, path: str | None, message: str) -> ImportFormatError:
        """An :class:`ImportFormatError` for this file."""
        return ImportFormatError(self.file, line, path, message)


@cache
def _attr_by_tag(kind: str) -> dict[str, str]:
    return {tag: attr for attr, tag in RECORD_TAGS[kind].items() if attr != "element"}


def check_store_code(text: str) -> Text | None:
    """Why ``text`` is not a valid store code (letters and digits), or ``None``."""
    if not text:
        return _("the store code is empty")
    if len(text) > MAX_STORE_CODE:
        return _(
            "the store code has {n} characters; at most {limit} are allowed",
            n=len(text),
            limit=MAX_STORE_CODE,
        )
    if not text.isalnum():
        return _(
            "store code {code} must consist of letters and digits only (no spaces)",
            code=repr(text),
        )
    return None


class Fields:
    """The children of one record element, read by attribute name."""

    def __init__(self, el: Element, kind: str, ctx: ReadContext, prefix: str = "") -> None:
        self.el = el
        self.kind = kind
        self.ctx = ctx
        self.tags = RECORD_TAGS[kind]
        self.path = f"{prefix}{self.tags['element']}"
        self.line: int | None = el.sourceline
        self._children: dict[str, list[Element]] = {}
        self.deleted = False
        self.keys = record_keys_of(kind)
        known = _attr_by_tag(kind)
        for child in el.iterchildren(etree.Element):
            attr = known.get(child.tag)
            if attr is None:
                where = f"{self.path}/{child.tag}"
                if ctx.strict:
                    names = ", ".join(sorted(known))
                    raise ctx.error(
                        child.sourceline,
                        where,
                        _(
                            "unknown element <{tag}> in <{element}>; known elements: {names}",
                            tag=child.tag,
                            element=self.tags["element"],
                            names=names,
                        ),
                    )
                ctx.ignored[where] += 1
                continue
            self._children.setdefault(attr, []).append(child)
        self.deleted = DELETED in self.tags and self.flag(DELETED)

    def where(self, attr: str) -> str:
        """The field path of ``attr`` for messages (``item/barcode``)."""
        return f"{self.path}/{self.tags[attr]}"

    def fail(self, attr: str, message: str, line: int | None = None) -> ImportFormatError:
        """An error about field ``attr`` (at its line when present, else the record's)."""
        if line is None:
            found = self._children.get(attr)
            line = found[0].sourceline if found else self.line
        return self.ctx.error(line, self.where(attr), message)

    def assume(self, attr: str, what: str, example: str | None = None) -> None:
        """Note an assumption about field ``attr`` of this record (see :class:`Notes`)."""
        found = self._children.get(attr)
        line = found[0].sourceline if found else self.line
        self.ctx.notes.add(self.where(attr), what, line, example)

    def children(self, attr: str) -> list[Element]:
        """All child elements for a list field (e.g. barcodes), in file order."""
        return self._children.get(attr, [])

    def _one(self, attr: str) -> Element | None:
        found = self._children.get(attr)
        if not found:
            return None
        if len(found) > 1:
            raise self.fail(
                attr,
                _(
                    "<{tag}> appears {n} times; only one is allowed",
                    tag=self.tags[attr],
                    n=len(found),
                ),
                found[1].sourceline,
            )
        return found[0]

    def raw(self, attr: str, *, required: bool) -> str | None:
        """The stripped text of ``attr``; ``None`` when absent/empty and not required."""
        required = required and (not self.deleted or attr in self.keys)
        found = self._children.get(attr)
        child = found[0] if found and len(found) == 1 else self._one(attr)
        if child is None:
            if required:
                raise self.ctx.error(
                    self.line,
                    self.where(attr),
                    _(
                        "missing: every <{element}> needs a <{tag}>",
                        element=self.tags["element"],
                        tag=self.tags[attr],
                    ),
                )
            return None
        if len(child):
            sub = next((c for c in child if isinstance(c.tag, str)), None)
            if sub is not None:
                raise self.fail(attr, _("must hold a value, not the element <{tag}>", tag=sub.tag))
        text = child.text or ""
        for sub in child:
            text += sub.tail or ""
        text = text.strip()
        if not text:
            if required:
                raise self.fail(attr, _("is empty; <{tag}> needs a value", tag=self.tags[attr]))
            return None
        return text

    def text(self, attr: str) -> str:
        """A required text value ("" in a deleted record when absent)."""
        return self.raw(attr, required=True) or ""

    def opt_text(self, attr: str) -> str | None:
        """An optional text value."""
        return self.raw(attr, required=False)

    def _check_code(self, attr: str, value: str, max_len: int) -> str:
        if len(value) > max_len:
            raise self.fail(
                attr,
                _(
                    "{value} has {n} characters; at most {limit}",
                    value=repr(value[:50]),
                    n=len(value),
                    limit=max_len,
                ),
            )
        if " " in value or not value.isprintable():
            raise self.fail(
                attr,
                _(
                    "{value} contains spaces or control characters; codes may not",
                    value=repr(value),
                ),
            )
        return value

    def code(self, attr: str, max_len: int = MAX_CODE) -> str:
        """A required code (article, id ...): no spaces, at most ``max_len`` characters."""
        value = self.raw(attr, required=True)
        return "" if value is None else self._check_code(attr, value, max_len)

    def opt_code(self, attr: str, max_len: int = MAX_CODE) -> str | None:
        """An optional code."""
        value = self.raw(attr, required=False)
        return None if value is None else self._check_code(attr, value, max_len)

    def _int(self, attr: str, value: str, lo: int, hi: int) -> int:
        if not (value.isascii() and value.isdigit()):
            raise self.fail(
                attr, _("{value} is not a whole number (digits only)", value=repr(value))
            )
        number = int(value)
        if not lo <= number <= hi:
            raise self.fail(
                attr,
                _("{number} is out of range; allowed {lo}..{hi}", number=number, lo=lo, hi=hi),
            )
        return number

    def integer(self, attr: str, lo: int = 0, hi: int = MAX_INT) -> int:
        """A required whole number in ``lo..hi`` (0 in a deleted record when absent)."""
        value = self.raw(attr, required=True)
        return lo if value is None else self._int(attr, value, lo, hi)

    def opt_integer(self, attr: str, lo: int = 0, hi: int = MAX_INT) -> int | None:
        """An optional whole number in ``lo..hi``."""
        value = self.raw(attr, required=False)
        return None if value is None else self._int(attr, value, lo, hi)

    def flag(self, attr: str) -> bool:
        """An optional 0/1 flag; absent means false."""
        value = self.raw(attr, required=False)
        if value is None or value == "0":
            return False
        if value == "1":
            return True
        raise self.fail(attr, _("{value} is not a flag; write 0 or 1", value=repr(value)))

    def _amount(self, attr: str, value: str, parse: Callable[..., int]) -> int:
        try:
            return parse(value, what="")
        except AmountFormatError as exc:
            raise self.fail(attr, exc.message) from None

    def money(self, attr: str) -> Money:
        """A required amount of money, 0 or more, at most 2 decimals (kopecks)."""
        value = self.raw(attr, required=True)
        return 0 if value is None else self._amount(attr, value, parse_money)

    def opt_money(self, attr: str) -> Money | None:
        """An optional amount of money."""
        value = self.raw(attr, required=False)
        return None if value is None else self._amount(attr, value, parse_money)

    def positive_quantity(self, attr: str, default: Quantity = ONE) -> Quantity:
        """An optional quantity above 0, at most 3 decimals; ``default`` when absent."""
        value = self.raw(attr, required=False)
        if value is None:
            return default
        qty = self._amount(attr, value, parse_quantity)
        if qty <= 0:
            raise self.fail(attr, _("{value} must be more than 0", value=repr(value)))
        return qty

    # -- lenient reading of fields whose meaning is not documented ([INF]/[UNK]) ----

    def skip(self, attr: str, what: str, example: str | None = None) -> SkipRecord:
        """A :class:`SkipRecord` about field ``attr`` of this record."""
        found = self._children.get(attr)
        line = found[0].sourceline if found else self.line
        return SkipRecord(self.where(attr), what, line, example)

    def _no_comma(self, attr: str, value: str) -> None:
        """A decimal comma is refused everywhere: the vendor documents the point [DOC]."""
        if "," in value and value.replace(",", "", 1).replace(".", "", 1).strip("-").isdigit():
            fixed = value.replace(",", ".")
            raise self.fail(
                attr,
                _(
                    "{value} uses a comma; write a decimal point, e.g. {fixed}",
                    value=repr(value),
                    fixed=repr(fixed),
                ),
            )

    def lenient_text(self, attr: str, default: str, what: str) -> str:
        """A text that may be missing: ``default`` then, noted as ``what``."""
        value = self.raw(attr, required=False)
        if value is None and not self.deleted:
            self.assume(attr, what)
            return default
        return value or ""

    def lenient_code(self, attr: str, what: str) -> str:
        """A code that may be missing ("" then, noted as ``what``); a malformed one is still
        refused (it could not be stored or matched)."""
        value = self.opt_code(attr)
        if value is None and not self.deleted:
            self.assume(attr, what)
        return value or ""

    def lenient_integer(
        self, attr: str, lo: int, hi: int, default: int | None, what: str
    ) -> int | None:
        """A whole number in ``lo..hi``; anything else gives ``default``, noted as ``what``."""
        value = self.raw(attr, required=False)
        if value is None:
            return default
        if value.isascii() and value.isdigit() and lo <= int(value) <= hi:
            return int(value)
        self.assume(attr, what, value)
        return default

    def lenient_flag(self, attr: str) -> bool:
        """A 0/1 flag; any other value counts as 0, noted."""
        value = self.raw(attr, required=False)
        if value is None or value == "0":
            return False
        if value == "1":
            return True
        self.assume(attr, _("not 0 or 1; taken as 0"), value)
        return False

    def lenient_money(self, attr: str, what: str) -> Money | None:
        """Optional money; a value that is not one gives ``None``, noted as ``what``."""
        value = self.raw(attr, required=False)
        if value is None:
            return None
        self._no_comma(attr, value)
        try:
            return parse_money(value, what="")
        except AmountFormatError:
            self.assume(attr, what, value)
            return None

    def money_or_skip(self, attr: str, what: str) -> Money:
        """Required money; a value that is not one skips the record, noted as ``what``."""
        value = self.raw(attr, required=True)
        if value is None:
            return 0
        self._no_comma(attr, value)
        try:
            return parse_money(value, what="")
        except AmountFormatError:
            raise self.skip(attr, what, value) from None

    def quantity_or_none(self, attr: str) -> Quantity | str | None:
        """An optional quantity above 0: the value, ``None`` when absent, or the text itself
        when it is not a usable quantity (the caller decides what that means)."""
        value = self.raw(attr, required=False)
        if value is None:
            return None
        self._no_comma(attr, value)
        try:
            qty = parse_quantity(value, what="")
        except AmountFormatError:
            return value
        return qty if qty > 0 else value

    def inn(self, attr: str) -> str | None:
        """An optional INN, checked (length and check digits)."""
        value = self.raw(attr, required=False)
        if value is None:
            return None
        try:
            return validate_inn(value)
        except InnError as exc:
            raise self.fail(attr, exc.message) from None

    def store_id(self) -> str:
        """The file's store code (store-scoped types only)."""
        assert self.ctx.store_id is not None
        return self.ctx.store_id
