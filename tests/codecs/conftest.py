"""Helpers for codec tests: write a small XML text into a real file."""

import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def xml_file(tmp_path: Path):
    """``xml_file(name, text)`` writes dedented UTF-8 ``text`` to ``tmp_path/name``."""

    def write(name: str, text: str, *, bom: bool = False) -> Path:
        path = tmp_path / name
        data = textwrap.dedent(text).lstrip("\n").encode("utf-8")
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        return path

    return write
