"""Reading an import file in a helper process, so parsing and database writes overlap.

Checking every field of a million-item file costs more CPU than writing
it, and a node's greenlets share one CPU. For big files the loader runs
the same reader (``open_import``) in a child process and receives the
records through a pipe, in batches, while it writes the previous ones:

    python -m ukm_actors.nodes.server.catalog.parsechild FILE MAX_BYTES DUPLICATES REGULAR

Frames on the child's standard output are a 4-byte big-endian length and
a pickle of one of::

    ("info", type, fullness, version, store_id, file, warnings)
    ("recs", [(class index, line, fields), ...], (bytes read, total))
    ("error", file, line, field, reason, hint, notes)  an ImportFormatError
    ("end", {ignored path: count}, (bytes read, total), notes)

(``notes``: the entries of the reader's ``Notes``, what it assumed.)

Records travel as plain tuples (a frozen dataclass pickles slowly). The
child stops at the first error, or when the pipe closes (its parent died
or gave up). :class:`ChildImport` is the parent's side, with the parts of
``ImportFile``'s interface the loader uses.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import fields
from types import TracebackType
from typing import IO, Any

from ukm_actors.codecs.ukm_import import (
    AdditionalPriceRecord,
    AgeRestrictionRecord,
    BarcodeRecord,
    CashierRecord,
    ClassifRecord,
    ImportFile,
    ImportFormatError,
    ImportInfo,
    ImportRecord,
    ItemRecord,
    Notes,
    PriceRecord,
    RegionRecord,
    SellerRecord,
    StoreRecord,
    StoreTypeRecord,
    TaxGroupRecord,
    TaxRecord,
    TimeRestrictionRecord,
    open_import,
)

CLASSES: tuple[type[Any], ...] = (
    ItemRecord,
    PriceRecord,
    AdditionalPriceRecord,
    ClassifRecord,
    TaxRecord,
    TaxGroupRecord,
    RegionRecord,
    StoreTypeRecord,
    StoreRecord,
    CashierRecord,
    SellerRecord,
    TimeRestrictionRecord,
    AgeRestrictionRecord,
)
_INDEX = {cls: i for i, cls in enumerate(CLASSES)}
_FIELDS = [tuple(f.name for f in fields(cls)) for cls in CLASSES]
_BARCODES = _FIELDS[0].index("barcodes")
_HEADER = struct.Struct(">I")
BATCH = 1000


def to_tuple(record: ImportRecord) -> tuple[int, tuple[Any, ...]]:
    """``(class index, field values)`` of a record (barcodes as ``(code, qty)`` pairs)."""
    i = _INDEX[type(record)]
    values = [getattr(record, name) for name in _FIELDS[i]]
    if i == 0:
        values[_BARCODES] = tuple((b.barcode, b.quantity) for b in values[_BARCODES])
    return i, tuple(values)


def from_tuple(i: int, values: tuple[Any, ...]) -> ImportRecord:
    """The record :func:`to_tuple` described."""
    if i == 0:
        v = list(values)
        v[_BARCODES] = tuple(BarcodeRecord(c, q) for c, q in v[_BARCODES])
        return ItemRecord(*v)
    record: ImportRecord = CLASSES[i](*values)
    return record


def _send(out: IO[bytes], message: tuple[Any, ...]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_HEADER.pack(len(data)))
    out.write(data)


def child_main(path: str, max_bytes: int, duplicates: bool, regular_only: bool = False) -> int:
    """Read ``path`` and write frames to standard output (see the module docstring)."""
    out = sys.stdout.buffer
    f: ImportFile | None = None
    try:
        with open_import(
            path,
            max_bytes=max_bytes,
            strict=False,
            check_duplicates=duplicates,
            regular_only=regular_only,
        ) as f:
            i = f.info
            _send(out, ("info", i.type, i.fullness, i.version, i.store_id, i.file, f.warnings))
            batch: list[tuple[int, int, tuple[Any, ...]]] = []
            for line, record in f.records():
                k, values = to_tuple(record)
                batch.append((k, line, values))
                if len(batch) >= BATCH:
                    _send(out, ("recs", batch, f.position()))
                    batch = []
            _send(out, ("recs", batch, f.position()))
            _send(out, ("end", dict(f.ignored), f.position(), f.notes.entries))
    except ImportFormatError as exc:
        notes = f.notes.entries if f is not None else {}
        _send(out, ("error", exc.file, exc.line, exc.field, exc.reason, exc.hint, notes))
    except BrokenPipeError:
        return 0
    out.flush()
    return 0


class ChildImport:
    """An import file read by a child process; the loader uses it like an ``ImportFile``.

    Raises ``ImportFormatError`` (from opening, or while iterating
    :meth:`records`) exactly as the reader in this process would.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_bytes: int,
        check_duplicates: bool,
        regular_only: bool = False,
    ) -> None:
        self.file = os.path.basename(os.fspath(path))
        self._errors = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(  # noqa: S603 - our own module, our own interpreter
            [
                sys.executable,
                "-m",
                "ukm_actors.nodes.server.catalog.parsechild",
                os.fspath(path),
                str(max_bytes),
                "1" if check_duplicates else "0",
                "1" if regular_only else "0",
            ],
            stdout=subprocess.PIPE,
            stderr=self._errors,
            stdin=subprocess.DEVNULL,
        )
        assert self._proc.stdout is not None
        self._out: IO[bytes] = self._proc.stdout
        self._position = (0, os.path.getsize(path))
        self.ignored: Counter[str] = Counter()
        self.notes = Notes()
        try:
            first = self._next()
            if first[0] == "error":
                self._raise(first)
            if first[0] != "info":
                raise RuntimeError(f"import reader for {self.file} sent {first[0]!r} first")
            _, t, fullness, version, store_id, name, warnings = first
            self.info = ImportInfo(t, fullness, version, store_id, name)
            self.warnings: list[str] = list(warnings)
        except BaseException:
            self.close()
            raise

    def _read(self, n: int) -> bytes:
        data = self._out.read(n)
        if len(data) != n:
            self._proc.wait()
            self._errors.seek(0)
            tail = self._errors.read()[-2000:].decode("utf-8", "replace")
            raise RuntimeError(
                f"the import reader for {self.file} stopped "
                f"(exit code {self._proc.returncode}): {tail}"
            )
        return data

    def _next(self) -> tuple[Any, ...]:
        (size,) = _HEADER.unpack(self._read(_HEADER.size))
        message: tuple[Any, ...] = pickle.loads(self._read(size))  # noqa: S301 - our own child
        return message

    def _raise(self, message: tuple[Any, ...]) -> None:
        _, file, line, field, reason, hint, notes = message
        self.notes.update(notes)
        raise ImportFormatError(file, line, field, reason, hint=hint)

    def position(self) -> tuple[int, int]:
        """``(bytes read, total)`` as the child last reported."""
        return self._position

    def records(self) -> Iterator[tuple[int, ImportRecord]]:
        """``(line, record)`` in file order, like ``ImportFile.records``."""
        while True:
            message = self._next()
            kind = message[0]
            if kind == "recs":
                self._position = message[2]
                for i, line, values in message[1]:
                    yield line, from_tuple(i, values)
            elif kind == "error":
                self._raise(message)
            elif kind == "end":
                self.ignored.update(message[1])
                self._position = message[2]
                self.notes.update(message[3])
                return
            else:
                raise RuntimeError(f"import reader for {self.file} sent {kind!r}")

    def close(self) -> None:
        """Stop the child (if it still runs) and release its pipe."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._out.close()
        self._errors.close()

    def __enter__(self) -> ChildImport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4] == "1"))
