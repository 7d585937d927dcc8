"""Errors of the UKM exchange codecs.

``ImportFormatError`` names the file, the line and the field, so the server
can put the message in the ``.error.txt`` it leaves next to a refused file.
``ExportFormatError`` is its counterpart for reading export documents back,
``ExportDataError`` a document the exporter cannot write as asked.
"""

from __future__ import annotations

from ukm_actors.errors import UkmError
from ukm_actors.i18n import Text, _


def _where(file: str | None, line: int | None, field: str | None) -> Text:
    name = file or _("document")
    if line is not None and field is not None:
        return _("{file} line {line}, field {field}", file=name, line=line, field=field)
    if line is not None:
        return _("{file} line {line}", file=name, line=line)
    if field is not None:
        return _("{file}, field {field}", file=name, field=field)
    return _("{file}", file=name)


def _where_what(file: str | None, line: int | None, field: str | None, message: str) -> Text:
    return _("{where}: {reason}", where=_where(file, line, field), reason=message)


class ImportFormatError(UkmError, ValueError):
    """An import file that cannot be loaded as it is.

    ``file`` is the file's name (no directory), ``line`` the 1-based line of
    the offending element (``None`` when the problem is the whole file, e.g.
    its size), ``field`` the element path inside the record (``item/barcode/
    quantity``) or the root attribute (``fullness``). ``reason`` is the bare
    explanation; ``str()`` puts the three together, e.g.
    ``updateItems_[5]_[F].xml line 12, field price/value: '89,90' uses a comma; ...``.

    ``reason`` and ``hint`` are ``Text`` (``ukm_actors.i18n``) where the reader marked
    them, so each reader gets them in their language; :meth:`text` is the whole
    report (where, what, and the hint in brackets) as one ``Text``.
    """

    code = "import.format"

    def __init__(
        self,
        file: str,
        line: int | None,
        field: str | None,
        message: str,
        *,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.reason = message
        super().__init__(_where_what(file, line, field, message), hint=hint)

    def text(self) -> Text:
        """``str(self)`` as a translatable ``Text``: where, what, and the hint in brackets."""
        if self.hint:
            return _("{message} ({hint})", message=self.message, hint=self.hint)
        return _("{message}", message=self.message)


class ExportFormatError(UkmError, ValueError):
    """An export document (receipt, shift, ...) that cannot be read back."""

    code = "export.format"

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        file: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.reason = message
        super().__init__(_where_what(file, line, field, message))


class ExportDataError(UkmError, ValueError):
    """A document that cannot be written as given (e.g. a time zone-aware date)."""

    code = "export.data"
