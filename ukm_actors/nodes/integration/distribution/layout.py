"""The integration module's settings: which folders, which tills (frozen values).

They come from the cash server's ask ``integration.settings`` (the answer is
cached in ``<state_dir>/settings.json``), or from the node's own
``[integration]`` section when ``settings_source = "local"``. Both go through
``parse_layout``, which checks them and fills defaults: an empty folder is a
folder under the node's data directory,

    integration/<store>/from-trade          source_dir (the trade system writes here)
    integration/<store>/to-trade            sales_dir  (the trade system reads here)
    integration/<store>/tills/<N>/in        a till's queue folder
    integration/<store>/tills/<N>/out       the folder the till leaves its sales in
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ukm_actors.errors import UkmError
from ukm_actors.nodes.integration.distribution.names import unsafe_reason

Resolve = Callable[[str], Path]


class LayoutError(UkmError):
    """Integration settings that cannot be used."""

    code = "integration.settings_invalid"


@dataclass(frozen=True)
class TillFolders:
    """One till of the store, as the integration module sees it."""

    node_id: str
    number: int
    folder: Path
    """The till's queue folder: numbered files from the trade system go here."""
    sales_folder: Path
    """The folder the till leaves its sales files in."""


@dataclass(frozen=True)
class StoreLayout:
    """Everything the integration module needs to know about its store."""

    store: str
    source_dir: Path
    sales_dir: Path
    tills: tuple[TillFolders, ...]

    def till(self, node_id: str) -> TillFolders | None:
        return next((t for t in self.tills if t.node_id == node_id), None)


def _text(value: Any, where: str, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise LayoutError(f"{where}: {key} must be text, not {value!r}")
    if "\x00" in value:
        raise LayoutError(f"{where}: {key} contains NUL")
    return value


def parse_layout(
    raw: Mapping[str, Any], store: str, resolve: Resolve, where: str = "integration settings"
) -> StoreLayout:
    """Check settings shaped like the ``integration.settings`` answer and fill defaults.

    Raises ``LayoutError`` naming the field when something is missing, of the
    wrong type, or unsafe (a till id that is not a plain name, two tills with
    one number or one folder, a till folder that is the source folder).
    """
    got = str(raw.get("store") or store)
    if store and got != store:
        raise LayoutError(f"{where} are for store {got!r}, but this module serves {store!r}")
    base = f"integration/{got}"

    def folder(value: Any, key: str, default: str) -> Path:
        text = _text(value, where, key)
        return resolve(text or default).absolute()

    source = folder(raw.get("source_dir"), "source_dir", f"{base}/from-trade")
    sales = folder(raw.get("sales_dir"), "sales_dir", f"{base}/to-trade")
    tills_raw = raw.get("tills") or []
    if not isinstance(tills_raw, list):
        raise LayoutError(f"{where}: tills must be a list")
    tills: list[TillFolders] = []
    for i, t in enumerate(tills_raw):
        key = f"tills[{i}]"
        if not isinstance(t, Mapping):
            raise LayoutError(f"{where}: {key} must be a table")
        number = t.get("number")
        if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
            raise LayoutError(f"{where}: {key}.number must be a positive integer, not {number!r}")
        node_id = _text(t.get("node_id"), where, f"{key}.node_id") or f"till-{got}-{number}"
        reason = unsafe_reason(node_id)
        if reason:
            raise LayoutError(f"{where}: {key}.node_id {node_id!r} is refused: it {reason}")
        tills.append(
            TillFolders(
                node_id=node_id,
                number=number,
                folder=folder(t.get("folder"), f"{key}.folder", f"{base}/tills/{number}/in"),
                sales_folder=folder(
                    t.get("sales_folder"), f"{key}.sales_folder", f"{base}/tills/{number}/out"
                ),
            )
        )
    _check_distinct(tills, source, sales, where)
    return StoreLayout(got, source, sales, tuple(sorted(tills, key=lambda t: t.number)))


def _check_distinct(tills: list[TillFolders], source: Path, sales: Path, where: str) -> None:
    if source == sales:
        raise LayoutError(f"{where}: source_dir and sales_dir are the same folder {source}")
    seen: dict[Any, str] = {}
    for t in tills:
        for key, value in (
            ("node", t.node_id),
            ("number", t.number),
            ("folder", t.folder),
            ("folder", t.sales_folder),
        ):
            if (key, value) in seen:
                raise LayoutError(
                    f"{where}: till {t.node_id} uses the {key} {value} of {seen[key, value]}"
                )
            seen[key, value] = t.node_id
        for f in (t.folder, t.sales_folder):
            if f in (source, sales):
                raise LayoutError(
                    f"{where}: till {t.node_id} folder {f} is also the source or sales folder"
                )


def local_raw(
    store: str, source_dir: str, sales_dir: str, tills: Mapping[str, Any]
) -> dict[str, Any]:
    """Settings in the shape of the server's answer, from an ``[integration]`` section.

    ``tills`` is ``[integration.tills.<number>]`` tables with ``folder``,
    ``sales_folder`` and optionally ``node_id``.
    """
    out: list[dict[str, Any]] = []
    for key, table in tills.items():
        if not str(key).isdigit():
            raise LayoutError(f"[integration.tills.{key}]: the table name must be the till number")
        if not isinstance(table, Mapping):
            raise LayoutError(f"[integration.tills.{key}] must be a table")
        out.append({"number": int(key), **dict(table)})
    return {"store": store, "source_dir": source_dir, "sales_dir": sales_dir, "tills": out}
