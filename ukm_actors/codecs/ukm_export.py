"""UKM XML export (cash server → trade system): documents, file names, atomic writes.

One document per file, named exactly as the vendor documents them
[DOC §3.2], with literal square brackets::

    receipt_[Store]_[PosNum]_[ShiftNum]_[Receipt]_[1].xml
    shift_[Store]_[PosNum]_[ShiftNum]_[1].xml
    shiftOpen_[Store]_[PosNum]_[ShiftNum]_[1].xml
    cashbox_[Store]_[PosNum]_[ShiftNum]_[DocNum]_[1].xml

A re-export writes the same name again and replaces the file [DOC §3.1];
:func:`write_atomically` makes sure the trade system never sees a
half-written file. This module re-exports the document types, renderers
and readers, so the exporter needs one import.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import time
from pathlib import Path

from ukm_actors.codecs.errors import ExportDataError, ExportFormatError
from ukm_actors.codecs.ukm_export_model import (
    CASH_IN,
    CASH_OUT,
    FILE_PREFIXES,
    FILE_SUFFIX,
    RETURN,
    SALE,
    ExportCashBox,
    ExportDiscount,
    ExportDocument,
    ExportFiscal,
    ExportItem,
    ExportPayment,
    ExportPaymentTotal,
    ExportReceipt,
    ExportShiftClose,
    ExportShiftOpen,
    ExportVoidedItem,
    LineHead,
    ReceiptRef,
    ShiftTotals,
    shift_totals,
)
from ukm_actors.codecs.ukm_export_parse import (
    DEFAULT_EXPORT_MAX_BYTES,
    parse_export,
    parse_export_file,
)
from ukm_actors.codecs.ukm_export_render import (
    render_cash_box,
    render_receipt,
    render_shift_close,
    render_shift_open,
)
from ukm_actors.codecs.ukm_fields import check_store_code

__all__ = [
    "CASH_IN",
    "CASH_OUT",
    "DEFAULT_EXPORT_MAX_BYTES",
    "RETURN",
    "SALE",
    "ExportCashBox",
    "ExportDataError",
    "ExportDiscount",
    "ExportDocument",
    "ExportFiscal",
    "ExportFormatError",
    "ExportItem",
    "ExportPayment",
    "ExportPaymentTotal",
    "ExportReceipt",
    "ExportShiftClose",
    "ExportShiftOpen",
    "ExportVoidedItem",
    "LineHead",
    "ReceiptRef",
    "ShiftTotals",
    "export_file_name",
    "parse_export",
    "parse_export_file",
    "render_cash_box",
    "render_export",
    "render_receipt",
    "render_shift_close",
    "render_shift_open",
    "shift_totals",
    "write_atomically",
    "write_export",
]


def _part(value: object) -> str:
    return f"[{value}]"


def export_file_name(doc: ExportDocument) -> str:
    """The file name of ``doc`` as documented, e.g. ``receipt_[17]_[3]_[88412]_[51]_[1].xml``.

    Raises :class:`ExportDataError` when the store code could not appear in a
    file name (it must be letters and digits).
    """
    problem = check_store_code(doc.store_id)
    if problem is not None:
        raise ExportDataError(f"cannot name the export file: {problem}")
    head = [doc.store_id, doc.pos_num, doc.shift_num]
    if isinstance(doc, ExportReceipt):
        kind, parts = "receipt", [*head, doc.receipt_num]
    elif isinstance(doc, ExportCashBox):
        kind, parts = "cash_box", [*head, doc.doc_num]
    elif isinstance(doc, ExportShiftOpen):
        kind, parts = "shift_open", head
    else:
        kind, parts = "shift_close", head
    return "_".join([FILE_PREFIXES[kind], *map(_part, parts), FILE_SUFFIX]) + ".xml"


def render_export(doc: ExportDocument) -> bytes:
    """The file content of any export document."""
    if isinstance(doc, ExportReceipt):
        return render_receipt(doc)
    if isinstance(doc, ExportShiftOpen):
        return render_shift_open(doc)
    if isinstance(doc, ExportCashBox):
        return render_cash_box(doc)
    return render_shift_close(doc)


_REPLACE_TRIES = 20
_REPLACE_PAUSE = 0.05


def write_atomically(directory: str | os.PathLike[str], name: str, data: bytes) -> Path:
    """Write ``data`` to ``directory/name`` so that readers see the old file or the new one.

    The bytes go to a temporary file in the same directory (named
    ``.<name>.<random>.tmp``, which no trade system takes for an export
    file), are flushed and fsynced, then ``os.replace``-d over the target;
    an existing file is overwritten. The new file gets the usual
    permissions (0666 minus the umask), not ``mkstemp``'s 0600, so a trade
    system running as another user can read it. On POSIX the directory is fsynced too,
    so the rename survives a power cut. On Windows, where replacing a file
    another process has open fails, the rename is retried for about a
    second before the ``PermissionError`` is raised. The temporary file
    never outlives a failure.
    """
    if not name or os.path.basename(name) != name or name in (".", ".."):
        raise ValueError(f"{name!r} is not a plain file name")
    folder = Path(directory)
    target = folder / name
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            os.chmod(tmp, _file_mode())
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        for attempt in range(_REPLACE_TRIES):
            try:
                os.replace(tmp, target)
                break
            except PermissionError:
                if os.name != "nt" or attempt == _REPLACE_TRIES - 1:
                    raise
                time.sleep(_REPLACE_PAUSE)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(folder)
    return target


@functools.cache
def _file_mode() -> int:
    """The mode ``open()`` would give a new file (``mkstemp`` alone gives 0600)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_export(directory: str | os.PathLike[str], doc: ExportDocument) -> Path:
    """Render ``doc`` and write it atomically under its documented name."""
    return write_atomically(directory, export_file_name(doc), render_export(doc))
