"""The repository's documentation stands alone: every link in README.md and docs/
points at a file of the repository that exists, and no page names a path outside it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
OUTSIDE = re.compile(r"(?<![\w.])\.\./[\w./-]+")


def _local(target: str) -> str | None:
    if re.match(r"^[a-z]+:", target) or target.startswith("#"):
        return None
    return target.split("#", 1)[0] or None


def test_every_link_points_at_a_file_of_the_repository() -> None:
    broken = []
    for page in PAGES:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            path = _local(target)
            if path is None:
                continue
            resolved = (page.parent / path).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, "links that leave the repository or lead nowhere: " + ", ".join(broken)


def test_no_page_names_a_path_outside_the_repository() -> None:
    found = []
    for page in PAGES:
        for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for m in OUTSIDE.finditer(line):
                # the pages name paths from the repository's root (`docs/bridge.md`)
                if not (ROOT / m.group(0)).resolve().is_relative_to(ROOT):
                    found.append(f"{page.relative_to(ROOT)}:{n}: {m.group(0)}")
    assert not found, "paths outside the repository: " + ", ".join(found)
