"""Which folders the till reads and writes, and where its catalog comes from.

Two places, one at a time:

- **the till's own file** (``source = "file"``): when ``[till]`` sets
  ``exchange_folder`` or ``sales_folder``, the file's ``catalog_source`` and
  folders are used as they are (checked at start: the node does not start
  on a contradiction);
- **the cash server** (``source = "server"``): a till whose file sets
  neither folder (and leaves ``catalog_source`` at ``"server"``) asks the
  cash server for its own entry of the store's integration settings
  (``till.exchange_settings``): the store's ``catalog_source`` and the
  till's folders as the till sees them. An empty folder of a store whose
  tills read files is the integration module's default under the node's
  data folder (``integration/<store>/tills/<N>/in`` and ``.../out``), so a
  till and a module sharing one data folder agree without settings. An
  answer that contradicts itself is refused (:class:`SettingsRefused`):
  the settings in force stay.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ukm_actors.config.roles import TillSettings
from ukm_actors.db import Database
from ukm_actors.errors import UkmError
from ukm_actors.nodes.till.exchange.load import now_text
from ukm_actors.nodes.till.exchange.tables import SavedSettings

ASK = "till.exchange_settings"
CATALOG_SOURCES = ("server", "folder", "both")
FILE = "file"
SERVER = "server"

Resolve = Callable[[str], Path]


class SettingsRefused(UkmError):
    """The cash server's settings for this till contradict themselves or the till."""

    code = "exchange.settings_refused"


@dataclass(frozen=True)
class FolderSettings:
    """The settings in force: where they come from, the catalog source, the folders."""

    source: str
    """``"file"`` (the till's own file) or ``"server"`` (the cash server's answer)."""
    catalog_source: str = "server"
    folder: Path | None = None
    """The queue folder the till reads (None: it reads none)."""
    sales_folder: Path | None = None
    """The folder the till writes its sales files in (None: it writes none)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "catalog_source": self.catalog_source,
            "folder": None if self.folder is None else str(self.folder),
            "sales_folder": None if self.sales_folder is None else str(self.sales_folder),
        }


def asks_server(cfg: TillSettings, servers: list[str]) -> bool:
    """Whether the till takes its folders from the cash server (see the module docstring)."""
    own = cfg.exchange_folder or cfg.sales_folder or cfg.catalog_source != "server"
    return not own and bool(servers)


def from_file(cfg: TillSettings, resolve: Resolve) -> FolderSettings:
    """The till's own ``[till]`` settings (already checked when the file was read)."""
    return FolderSettings(
        FILE,
        cfg.catalog_source,
        resolve(cfg.exchange_folder).absolute() if cfg.exchange_folder else None,
        resolve(cfg.sales_folder).absolute() if cfg.sales_folder else None,
    )


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str) or "\x00" in value:
        raise SettingsRefused(f"the cash server's {key} {value!r} is not a folder path")
    return value


def from_answer(raw: Any, cfg: TillSettings, resolve: Resolve) -> FolderSettings:
    """The cash server's ``till.exchange_settings`` answer, checked; ``SettingsRefused``
    names what contradicts what and what to change."""
    if not isinstance(raw, Mapping):
        raise SettingsRefused(f"the cash server's answer is not an object: {raw!r}")
    store, number = str(raw.get("store", "")), raw.get("number")
    if store != cfg.store or number != cfg.number:
        raise SettingsRefused(
            f"the cash server has this till as till {number} of store {store!r}, but its "
            f"file says till {cfg.number} of store {cfg.store!r}",
            hint="correct [till] store and number, or the till's registration on the server",
        )
    source = raw.get("catalog_source")
    if source not in CATALOG_SOURCES:
        raise SettingsRefused(
            f"the cash server's catalog_source {source!r} is not one of "
            + ", ".join(CATALOG_SOURCES)
        )
    folder, sales = _text(raw, "folder"), _text(raw, "sales_folder")
    where = f"PUT /api/v1/stores/{store}/integration"
    if source == "server" and folder:
        raise SettingsRefused(
            f"the cash server gives till {number} of store {store} the queue folder "
            f"{folder!r}, but the store's catalog_source is 'server', so nothing would "
            "read it",
            hint=f'set the store\'s catalog_source to "folder" or "both" ({where} '
            '{"catalog_source": "both"}), or clear the till\'s folder',
        )
    if source != "server":
        base = f"integration/{store}/tills/{number}"
        folder, sales = folder or f"{base}/in", sales or f"{base}/out"
    settings = FolderSettings(
        SERVER,
        str(source),
        resolve(folder).absolute() if folder else None,
        resolve(sales).absolute() if sales else None,
    )
    if settings.folder is not None and settings.folder == settings.sales_folder:
        raise SettingsRefused(
            f"the cash server gives till {number} of store {store} one folder "
            f"{settings.folder} to read the trade system's files from and to write its "
            "sales files to: the till would read its own sales",
            hint=f"give the till different folder and sales_folder ({where})",
        )
    return settings


def load_saved(session: Session) -> Any:
    """The cash server's last accepted answer kept in the till's database, or None."""
    row = session.execute(select(SavedSettings).where(SavedSettings.id == 1)).scalar_one_or_none()
    return None if row is None else json.loads(row.answer)


def save(db: Database, raw: Any) -> None:
    """Keep ``raw`` as the cash server's last accepted answer."""
    with db.write() as s:
        row = s.get(SavedSettings, 1)
        text = json.dumps(raw, ensure_ascii=False, sort_keys=True)
        if row is None:
            s.add(SavedSettings(id=1, answer=text, at=now_text()))
        else:
            row.answer, row.at = text, now_text()
