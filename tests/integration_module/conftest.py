"""Helpers for the integration module's tests: a store layout under tmp_path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Folders:
    root: Path
    source: Path
    sales: Path
    tills: dict[int, Path]
    outs: dict[int, Path]

    def section(self, **extra: object) -> dict[str, object]:
        """An ``[integration]`` section with local settings for these folders."""
        return {
            "store": "17",
            "settings_source": "local",
            "settle": 0,
            "poll": 0.02,
            "retry_maximum": 1.0,
            "source_dir": str(self.source),
            "sales_dir": str(self.sales),
            "tills": {
                str(n): {"folder": str(self.tills[n]), "sales_folder": str(self.outs[n])}
                for n in self.tills
            },
            **extra,
        }

    def queue(self, number: int) -> list[str]:
        """Visible names in till ``number``'s queue folder, sorted."""
        return sorted(p.name for p in self.tills[number].iterdir() if not p.name.startswith("."))


def make_folders(root: Path, tills: int = 3) -> Folders:
    f = Folders(
        root=root,
        source=root / "trade" / "out",
        sales=root / "trade" / "in",
        tills={n: root / f"till{n}" / "in" for n in range(1, tills + 1)},
        outs={n: root / f"till{n}" / "out" for n in range(1, tills + 1)},
    )
    for p in (f.source, f.sales, *f.outs.values()):
        p.mkdir(parents=True, exist_ok=True)
    return f


@pytest.fixture
def folders(tmp_path: Path) -> Folders:
    return make_folders(tmp_path / "store", 3)


def drop(folder: Path, name: str, data: bytes) -> Path:
    """Write a file the way a careful trade system does: a temporary name, then a rename."""
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(data)
    target = folder / name
    tmp.replace(target)
    return target
