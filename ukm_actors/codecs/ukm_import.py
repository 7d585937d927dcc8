"""Streaming reader of UKM import files (trade system → cash server).

``open_import(path, max_bytes=...)`` checks the size, the prolog (no DTD,
UTF-8), the root (known type, allowed fullness, ``storeId`` for
store-scoped types) and the ``<version>``, and returns an
:class:`ImportFile`; ``ImportFile.records()`` then yields ``(line, record)``
one record at a time. Parsed elements are freed as soon as their record is
built, so memory stays flat however long the file is; the only thing that
grows is the compact duplicate index (about 24-48 bytes a key, see
``_dupindex``), which ``check_duplicates=False`` turns off.

Every problem is an :class:`ImportFormatError` naming file, line and field.
Records are checked one by one and for uniqueness within the file; whether
a record's references exist (an item's group, a price's article) is for the
loader to check against the database. An ``OSError`` (file missing,
unreadable) is passed through unchanged: it is not the file's content
that is wrong.

This module also re-exports the public names of the import side
(records, names and plan) so callers need one import.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import Counter
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from types import TracebackType
from typing import IO

from lxml import etree

from ukm_actors.codecs._dupindex import CompactKeyIndex, key_hash
from ukm_actors.codecs.errors import ImportFormatError
from ukm_actors.codecs.safexml import (
    DEFAULT_MAX_BYTES,
    LimitedReader,
    XmlFormatError,
    open_limited,
    raw_iterparse,
    syntax_error,
)
from ukm_actors.codecs.ukm_fields import Notes, SkipRecord
from ukm_actors.codecs.ukm_names import (
    ImportBatch,
    ImportName,
    ImportPlan,
    compare_name,
    import_file_name,
    parse_import_name,
    plan_imports,
)
from ukm_actors.codecs.ukm_readers import (
    READERS,
    TWICE,
    Element,
    ReadContext,
    check_store_code,
    record_keys,
)
from ukm_actors.codecs.ukm_records import (
    AdditionalPriceRecord,
    AgeRestrictionRecord,
    BarcodeRecord,
    CashierRecord,
    ClassifRecord,
    ImportInfo,
    ImportRecord,
    ItemRecord,
    PriceRecord,
    RegionRecord,
    SellerRecord,
    StoreRecord,
    StoreTypeRecord,
    TaxGroupRecord,
    TaxRecord,
    TimeRestrictionRecord,
)
from ukm_actors.codecs.ukm_schema import (
    FULL,
    IMPORT_TYPES,
    LOAD_ORDER,
    ROOT_FULLNESS,
    ROOT_STORE_ID,
    VERSION_TAG,
    element_kinds,
)
from ukm_actors.i18n import _

__all__ = [
    "DEFAULT_MAX_BYTES",
    "IMPORT_TYPES",
    "LOAD_ORDER",
    "AdditionalPriceRecord",
    "AgeRestrictionRecord",
    "BarcodeRecord",
    "CashierRecord",
    "ClassifRecord",
    "ImportBatch",
    "ImportFile",
    "ImportFormatError",
    "ImportInfo",
    "ImportName",
    "ImportPlan",
    "ImportRecord",
    "ItemRecord",
    "Notes",
    "PriceRecord",
    "RegionRecord",
    "SellerRecord",
    "StoreRecord",
    "StoreTypeRecord",
    "TaxGroupRecord",
    "TaxRecord",
    "TimeRestrictionRecord",
    "compare_name",
    "import_file_name",
    "open_import",
    "parse_import_name",
    "plan_imports",
]


class ImportFile:
    """An open import file; use as a context manager or call :meth:`close`.

    ``info`` is read on opening. ``warnings`` collects things worth logging
    that do not stop the load (no ``<version>``, a ``storeId`` on a
    chain-wide type, unknown root attributes, ignored elements in lenient
    mode); ``ignored`` counts unknown elements by path when not strict.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        strict: bool = True,
        check_duplicates: bool = True,
        regular_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self.file = self.path.name
        self.strict = strict
        self._regular_only = regular_only
        self.warnings: list[str] = []
        self._max_bytes = max_bytes
        self._check_duplicates = check_duplicates
        self._index = CompactKeyIndex()
        self._started = False
        self._pending: list[Element] = []
        self._raw: IO[bytes] = self._open_raw() if regular_only else open(self.path, "rb")
        try:
            self.total = os.fstat(self._raw.fileno()).st_size
            if self.total > max_bytes:
                raise ImportFormatError(
                    self.file,
                    None,
                    None,
                    _(
                        "the file is {size} bytes, above the limit of {limit} bytes",
                        size=self.total,
                        limit=max_bytes,
                    ),
                    hint=_("split the file or raise the configured size limit"),
                )
            try:
                self._reader: LimitedReader = open_limited(self._raw, max_bytes=max_bytes)
            except XmlFormatError as exc:
                raise self._wrap(exc) from None
            self._top = self._top_level()
            self.info = self._read_info()
            self._ctx = ReadContext(self.file, self.info.type, self.info.store_id, strict)
        except BaseException:
            self._raw.close()
            raise

    def _open_raw(self) -> IO[bytes]:
        """Open without following a symbolic link, and only a regular file."""
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(self.path, flags)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            fd = -1
        if fd < 0 or not stat.S_ISREG(os.fstat(fd).st_mode):
            if fd >= 0:
                os.close(fd)
            raise ImportFormatError(
                self.file,
                None,
                None,
                _("not a regular file (a symbolic link, folder, pipe or device); never read"),
                hint=_("put the file itself into the import folder"),
            )
        return os.fdopen(fd, "rb")

    # -- public -------------------------------------------------------------

    @property
    def ignored(self) -> Counter[str]:
        """Unknown elements skipped in lenient mode, by path (``item/color``)."""
        return self._ctx.ignored

    @property
    def notes(self) -> Notes:
        """What was assumed about fields whose meaning is not documented (so far)."""
        return self._ctx.notes

    def position(self) -> tuple[int, int]:
        """``(bytes read so far, total bytes)`` for progress reporting."""
        return self._reader.bytes_read, self.total

    def records(self) -> Iterator[tuple[int, ImportRecord]]:
        """Yield ``(line, record)`` in file order; may be called once.

        In a full (F) file a record marked deleted means the same as an
        absent one, so it is not yielded; in an incremental (I) file it is
        yielded with ``deleted=True``.
        """
        if self._started:
            raise RuntimeError(f"records() of {self.file} was already called")
        self._started = True
        full = self.info.fullness == FULL
        for _ordinal, line, _kind, record in self._parsed():
            if full and record.deleted:
                continue
            yield line, record

    def close(self) -> None:
        """Release the file."""
        self._raw.close()

    def __enter__(self) -> ImportFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- reading ------------------------------------------------------------

    def _wrap(self, exc: XmlFormatError) -> ImportFormatError:
        return ImportFormatError(self.file, exc.line, None, exc.message, hint=exc.hint)

    def _top_level(self) -> Iterator[Element]:
        """The root element (on its start), then each complete child of the root."""
        depth = 0
        try:
            for event, el in raw_iterparse(self._reader, ("start", "end")):
                if event == "start":
                    depth += 1
                    if depth == 1:
                        yield el
                else:
                    depth -= 1
                    if depth == 1:
                        yield el
        except etree.XMLSyntaxError as exc:
            raise self._wrap(syntax_error(exc)) from None
        except XmlFormatError as exc:
            raise self._wrap(exc) from None

    def _fail(self, line: int | None, field: str | None, message: str) -> ImportFormatError:
        return ImportFormatError(self.file, line, field, message)

    def _read_info(self) -> ImportInfo:
        root = next(self._top)
        line = root.sourceline
        spec = IMPORT_TYPES.get(root.tag)
        if spec is None:
            known = ", ".join(name for name in LOAD_ORDER if IMPORT_TYPES[name].supported)
            raise self._fail(
                line,
                None,
                _(
                    "unknown root element <{tag}>; this server reads: {known}",
                    tag=root.tag,
                    known=known,
                ),
            )
        if not spec.supported:
            raise self._fail(
                line, None, _("files of type {type} are not supported yet", type=spec.name)
            )
        fullness = root.get(ROOT_FULLNESS)
        quoted = [f'"{f}"' for f in sorted(spec.fullness)]
        allowed = (
            _("{first} or {second}", first=quoted[0], second=quoted[1])
            if len(quoted) == 2
            else ", ".join(quoted)
        )
        if fullness is None:
            raise self._fail(
                line,
                ROOT_FULLNESS,
                _(
                    "the root <{type}> has no {attribute} attribute; write {attribute}={allowed}",
                    type=spec.name,
                    attribute=ROOT_FULLNESS,
                    allowed=allowed,
                ),
            )
        if fullness not in spec.fullness:
            raise self._fail(
                line,
                ROOT_FULLNESS,
                _(
                    "{attribute}={value} is not allowed for {type}; allowed: {allowed}",
                    attribute=ROOT_FULLNESS,
                    value=repr(fullness),
                    type=spec.name,
                    allowed=allowed,
                ),
            )
        store_id = root.get(ROOT_STORE_ID)
        if spec.store_scoped:
            if store_id is None:
                raise self._fail(
                    line,
                    ROOT_STORE_ID,
                    _(
                        '{type} is store-scoped: the root needs {attribute}="<store code>"',
                        type=spec.name,
                        attribute=ROOT_STORE_ID,
                    ),
                )
            problem = check_store_code(store_id)
            if problem is not None:
                raise self._fail(line, ROOT_STORE_ID, problem)
        elif store_id is not None:
            self.warnings.append(
                _(
                    "{attribute}={value} ignored: {type} is chain-wide",
                    attribute=ROOT_STORE_ID,
                    value=repr(store_id),
                    type=spec.name,
                )
            )
            store_id = None
        extra = sorted(set(root.keys()) - {ROOT_FULLNESS, ROOT_STORE_ID})
        if extra:
            self.warnings.append(_("root attributes ignored: {names}", names=", ".join(extra)))
        version: str | None = None
        first = next(self._top, None)
        if first is not None and first.tag == VERSION_TAG:
            if len(first):
                raise self._fail(
                    first.sourceline, VERSION_TAG, _("<{tag}> must hold text only", tag=VERSION_TAG)
                )
            version = (first.text or "").strip() or None
        elif first is not None:
            self._pending.append(first)
        if version is None:
            self.warnings.append(
                _("no <{tag}> as the first element of <{type}>", tag=VERSION_TAG, type=spec.name)
            )
        return ImportInfo(spec.name, fullness, version, store_id, self.file)

    def _parsed(self) -> Iterator[tuple[int, int, str, ImportRecord]]:
        """``(ordinal, line, kind, record)`` for every record element, deleted ones included."""
        kinds = element_kinds(self.info.type)
        root_tag = self.info.type
        ordinal = 0
        for el in chain(self._pending, self._top):
            kind = kinds.get(el.tag)
            if kind is not None:
                line = el.sourceline or 0
                try:
                    record = READERS[kind](el, self._ctx)
                except SkipRecord as skip:
                    self._ctx.notes.add(skip.path, skip.what, skip.line, skip.example)
                    record = None
                if record is not None:
                    if self._check_duplicates:
                        self._check_keys(ordinal, line, kind, record)
                    yield ordinal, line, kind, record
                ordinal += 1
            elif el.tag == VERSION_TAG:
                raise self._fail(
                    el.sourceline,
                    VERSION_TAG,
                    _(
                        "<{tag}> must appear once, as the first element of <{type}>",
                        tag=VERSION_TAG,
                        type=root_tag,
                    ),
                )
            elif self.strict:
                expected = ", ".join(f"<{t}>" for t in kinds)
                raise self._fail(
                    el.sourceline,
                    str(el.tag),
                    _(
                        "unknown element <{tag}> in <{type}>; expected {expected}",
                        tag=el.tag,
                        type=root_tag,
                        expected=expected,
                    ),
                )
            else:
                self._ctx.ignored[str(el.tag)] += 1
            el.clear(keep_tail=False)
            parent = el.getparent()
            if parent is not None:
                while el.getprevious() is not None:
                    del parent[0]
        self._pending.clear()

    def _check_keys(self, ordinal: int, line: int, kind: str, record: ImportRecord) -> None:
        for path, label, key in record_keys(kind, record):
            h = key_hash((label, key))
            for earlier in self._index.candidates(h):
                first_line = self._find_key(earlier, label, key)
                if first_line is not None:
                    shown = " ".join(key) if isinstance(key, tuple) else str(key)
                    template = TWICE.get(label)
                    message = (
                        _(template, key=shown, first=first_line)
                        if template is not None
                        else _(
                            "{label} {key} appears twice in this file (first at line {first}); "
                            "each must appear once",
                            label=label,
                            key=shown,
                            first=first_line,
                        )
                    )
                    raise self._fail(line, path, message)
            self._index.add(h, ordinal)

    def _find_key(self, ordinal: int, label: str, key: object) -> int | None:
        """Line of record ``ordinal`` when it really has ``(label, key)``; else ``None``."""
        with ImportFile(
            self.path,
            max_bytes=self._max_bytes,
            strict=self.strict,
            check_duplicates=False,
            regular_only=self._regular_only,
        ) as again:
            for n, line, kind, record in again._parsed():
                if n == ordinal:
                    keys = record_keys(kind, record)
                    hit = any(lb == label and k == key for _p, lb, k in keys)
                    return line if hit else None
        return None


def open_import(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    strict: bool = True,
    check_duplicates: bool = True,
    regular_only: bool = False,
) -> ImportFile:
    """Open an import file and read its root; see :class:`ImportFile`.

    ``strict=False`` skips unknown elements inside records instead of
    refusing the file (they are counted in ``ImportFile.ignored``).
    ``regular_only=True`` never follows a symbolic link and refuses anything
    but a regular file, before reading a byte (the import folder's files).
    """
    return ImportFile(
        path,
        max_bytes=max_bytes,
        strict=strict,
        check_duplicates=check_duplicates,
        regular_only=regular_only,
    )
