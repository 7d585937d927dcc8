"""Memory stays flat however long the file: a complexity check, not a timing one.

tracemalloc sees Python allocations (our records, lxml's element proxies);
libxml2's own buffers are freed as elements are cleared. Ten times the
items must not need noticeably more memory when the duplicate check is
off, and with it on only the compact key index grows (a few dozen bytes a
key, far below the size of a record).
"""

import tracemalloc

import pytest

from ukm_actors.codecs.ukm_import import ItemRecord, open_import
from ukm_actors.codecs.ukm_samples import write_import_file

pytestmark = pytest.mark.slow


def plain_items(n):
    for i in range(n):
        yield ItemRecord(f"{i:07d}", "Товар", "шт", "1", "1", "1")


def peak_while_reading(path, **kw):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with open_import(path, **kw) as f:
            count = sum(1 for _ in f.records())
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("mem")
    return {
        n: write_import_file(d / f"u{n}.xml", "updateItems", plain_items(n), "F")
        for n in (1_000, 10_000)
    }


def test_memory_does_not_grow_with_the_file(files):
    small_n, small = peak_while_reading(files[1_000], check_duplicates=False)
    big_n, big = peak_while_reading(files[10_000], check_duplicates=False)
    assert (small_n, big_n) == (1_000, 10_000)
    assert big < 1.5 * small, (small, big)


def test_duplicate_index_grows_by_a_few_bytes_per_key(files):
    _, small = peak_while_reading(files[1_000])
    _, big = peak_while_reading(files[10_000])
    per_item = (big - small) / 9_000
    assert per_item < 120, per_item
