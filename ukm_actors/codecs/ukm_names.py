"""Import file names and the order in which to load a directory of them.

Names look like ``storeCashiers_[2013]_[45296]_[F].xml`` (the one form seen
in production code), and we also accept them without brackets
(``updateItems_5_F.xml``) and without the store part
(``updateItems_[5]_[F].xml``). :func:`plan_imports` applies the vendor's
order: per type, the newest full file, then every newer incremental file
in ascending number; older files are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ukm_actors.codecs.ukm_records import ImportInfo
from ukm_actors.codecs.ukm_schema import FULL, IMPORT_TYPES, INCREMENTAL, LOAD_ORDER
from ukm_actors.i18n import _

_NAME = re.compile(
    r"^(?P<type>[A-Za-z][A-Za-z0-9]*)"
    r"(?:_(?:\[(?P<store1>[^\[\]_\s]+)\]|(?P<store2>[^\[\]_\s]+)))??"
    r"_(?:\[(?P<num1>\d+)\]|(?P<num2>\d+))"
    r"_(?:\[(?P<full1>[FfIi])\]|(?P<full2>[FfIi]))"
    r"\.[Xx][Mm][Ll]$"
)


@dataclass(frozen=True, slots=True)
class ImportName:
    """What a file name says; ``filename`` is the name itself (no directory)."""

    type: str
    store_id: str | None
    number: int
    fullness: str
    filename: str

    @property
    def known(self) -> bool:
        """True when the type is one this server reads."""
        spec = IMPORT_TYPES.get(self.type)
        return spec is not None and spec.supported


def parse_import_name(filename: str) -> ImportName | None:
    """Read type, store, number and fullness from a file name; ``None`` if it is not one."""
    m = _NAME.match(filename)
    if m is None:
        return None
    number = m.group("num1") or m.group("num2")
    fullness = (m.group("full1") or m.group("full2")).upper()
    store = m.group("store1") or m.group("store2")
    return ImportName(m.group("type"), store, int(number), fullness, filename)


def import_file_name(
    type_name: str, number: int, fullness: str, store_id: str | None = None
) -> str:
    """The name our writer uses: ``type_[store]_[number]_[F].xml`` (store part optional)."""
    store = f"_[{store_id}]" if store_id is not None else ""
    return f"{type_name}{store}_[{number}]_[{fullness}].xml"


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """The files of one type (and one store, for store-scoped types) to load, in order.

    When a file fails, the rest of its batch must wait for a newer full file.
    """

    type: str
    store_id: str | None
    files: tuple[ImportName, ...]


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What to load, in order, and what to leave alone.

    Every name given to :func:`plan_imports` is in exactly one of
    ``batches`` (to load), ``skipped`` (superseded by a newer full file)
    or ``unknown`` (a type this server does not read).
    """

    batches: tuple[ImportBatch, ...]
    skipped: tuple[ImportName, ...]
    unknown: tuple[ImportName, ...]

    @property
    def load(self) -> tuple[ImportName, ...]:
        """All files to load, in load order."""
        return tuple(name for batch in self.batches for name in batch.files)


def _order(name: ImportName) -> tuple[int, str]:
    return name.number, name.filename


def _group_key(name: ImportName) -> tuple[int, str, str]:
    spec = IMPORT_TYPES[name.type]
    store = name.store_id if spec.store_scoped and name.store_id is not None else ""
    return LOAD_ORDER.index(name.type), store, name.type


def plan_imports(names: Iterable[ImportName]) -> ImportPlan:
    """Order a directory listing for loading (pure; see :class:`ImportPlan`).

    Per type (and store, for store-scoped types): the full file with the
    highest number, then every incremental file with a higher number,
    ascending; files numbered at or below that full file are skipped, and
    when two full files share the highest number the one with the larger
    file name wins. Types that only come incremental, and types with no
    full file present, load all their files in ascending number. Types go
    references first (``LOAD_ORDER``); store-scoped types per store code.
    A full file of an incremental-only type is planned like any other file
    so that opening it reports the wrong fullness.
    """
    groups: dict[tuple[int, str, str], list[ImportName]] = {}
    unknown: list[ImportName] = []
    for name in names:
        if not name.known:
            unknown.append(name)
            continue
        groups.setdefault(_group_key(name), []).append(name)
    batches: list[ImportBatch] = []
    skipped: list[ImportName] = []
    for key in sorted(groups):
        files = sorted(groups[key], key=_order)
        spec = IMPORT_TYPES[files[0].type]
        fulls = [f for f in files if f.fullness == FULL]
        if spec.incremental_only or not fulls:
            load = files
        else:
            newest = fulls[-1]
            load = [newest] + [
                f for f in files if f.fullness == INCREMENTAL and f.number > newest.number
            ]
            chosen = set(load)
            skipped.extend(f for f in files if f not in chosen)
        store = key[1] if spec.store_scoped and key[1] else None
        batches.append(ImportBatch(spec.name, store, tuple(load)))
    unknown.sort(key=lambda n: n.filename)
    return ImportPlan(tuple(batches), tuple(sorted(skipped, key=_order)), tuple(unknown))


def compare_name(name: ImportName, info: ImportInfo) -> list[str]:
    """Warnings where a file's name and its root disagree (the root wins)."""
    out: list[str] = []
    if name.type != info.type:
        out.append(
            _(
                "{file}: the name says {named} but the root is <{type}>",
                file=name.filename,
                named=name.type,
                type=info.type,
            )
        )
    if name.fullness != info.fullness:
        out.append(
            _(
                "{file}: the name says {named} but fullness={fullness}",
                file=name.filename,
                named=name.fullness,
                fullness=repr(info.fullness),
            )
        )
    if info.store_id is not None and name.store_id is not None and name.store_id != info.store_id:
        out.append(
            _(
                "{file}: the name says store {named} but storeId={store}",
                file=name.filename,
                named=name.store_id,
                store=repr(info.store_id),
            )
        )
    return out
