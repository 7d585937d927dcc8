"""A compact index of keys already seen in one file, for duplicate checks.

A file of a million items has a million articles and more barcodes; a Python
``set`` of those strings costs well over 100 bytes a key. This index keeps
only a 64-bit hash and the ordinal of the record that brought the key, in
two flat arrays with open addressing: 12 bytes a slot, at most half full,
so 24 to 48 bytes a key. Equal hashes do not prove equal keys, so
:meth:`candidates` returns the ordinals to verify and the caller decides;
a key that turns out to be new is then added with :meth:`add`.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable

_INITIAL = 1024


def key_hash(key: Hashable) -> int:
    """The 64-bit hash the index stores for ``key`` (never 0, the empty mark)."""
    h = hash(key)
    return h if h != 0 else 1


class CompactKeyIndex:
    """Hashes of keys → ordinal of the first record that had them."""

    def __init__(self) -> None:
        self._hashes = array("q", bytes(8 * _INITIAL))
        self._ordinals = array("i", bytes(4 * _INITIAL))
        self._mask = _INITIAL - 1
        self._used = 0

    def __len__(self) -> int:
        return self._used

    def candidates(self, h: int) -> list[int]:
        """Ordinals of the records whose key has hash ``h`` (usually none or one)."""
        hashes, mask = self._hashes, self._mask
        i = h & mask
        found: list[int] = []
        while True:
            slot = hashes[i]
            if slot == 0:
                return found
            if slot == h:
                found.append(self._ordinals[i])
            i = (i + 1) & mask

    def add(self, h: int, ordinal: int) -> None:
        """Remember that the record ``ordinal`` has a key with hash ``h``."""
        if 2 * (self._used + 1) > len(self._hashes):
            self._grow()
        self._place(h, ordinal)
        self._used += 1

    def _place(self, h: int, ordinal: int) -> None:
        hashes, mask = self._hashes, self._mask
        i = h & mask
        while hashes[i] != 0:
            i = (i + 1) & mask
        hashes[i] = h
        self._ordinals[i] = ordinal

    def _grow(self) -> None:
        old_hashes, old_ordinals = self._hashes, self._ordinals
        size = 2 * len(old_hashes)
        self._hashes = array("q", bytes(8 * size))
        self._ordinals = array("i", bytes(4 * size))
        self._mask = size - 1
        for h, ordinal in zip(old_hashes, old_ordinals, strict=True):
            if h != 0:
                self._place(h, ordinal)
