"""A till's numbered queue and the source journal, on real files (no actors)."""

import json

import pytest

from tests.integration_module.conftest import drop
from ukm_actors.nodes.integration.distribution.durable import FileStamp, StateFileError
from ukm_actors.nodes.integration.distribution.journal import SourceJournal
from ukm_actors.nodes.integration.distribution.layout import TillFolders
from ukm_actors.nodes.integration.distribution.queue import TillQueue
from ukm_actors.nodes.integration.distribution.scan import Settler


@pytest.fixture
def setup(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    till = TillFolders("till-17-1", 1, tmp_path / "q1", tmp_path / "o1")
    journal = SourceJournal(tmp_path / "state" / "source.json")
    queue = TillQueue(till, tmp_path / "state" / "tills" / "till-17-1.json")
    queue.recover()
    return source, journal, queue, tmp_path


def admit_all(journal, source):
    return journal.admit(str(source), Settler(0).scan(source).settled)


def visible(folder):
    return sorted(p.name for p in folder.iterdir())


def test_files_are_numbered_in_arrival_order_across_batches(setup):
    source, journal, queue, _ = setup
    drop(source, "updateItems.xml", b"items")
    admit_all(journal, source)
    drop(source, "prices.xml", b"prices")
    admit_all(journal, source)
    d = queue.deliver(journal.after(0, 1))
    assert d.queued == ["000001_updateItems.xml"]
    d = queue.deliver(journal.after(queue.cursor, 10))
    assert d.queued == ["000002_prices.xml"]
    assert visible(queue.folder) == ["000001_updateItems.xml", "000002_prices.xml"]
    assert (queue.folder / "000002_prices.xml").read_bytes() == b"prices"
    again = TillQueue(queue.till, queue.state_path)
    assert (again.cursor, again.next_number) == (2, 3)


def test_a_vanished_or_rewritten_file_is_skipped_without_using_a_number(setup):
    source, journal, queue, _ = setup
    for name in ("a.xml", "b.xml", "c.xml"):
        drop(source, name, name.encode())
    admit_all(journal, source)
    (source / "a.xml").unlink()
    drop(source, "b.xml", b"b, second version")
    d = queue.deliver(journal.after(0, 10))
    assert d.queued == ["000001_c.xml"] and d.skipped == ["a.xml", "b.xml"]
    added = admit_all(journal, source)
    assert [e.name for e in added] == ["b.xml"]
    d = queue.deliver(journal.after(queue.cursor, 10))
    assert d.queued == ["000002_b.xml"]
    assert (queue.folder / "000002_b.xml").read_bytes() == b"b, second version"


def test_a_kill_after_the_commit_is_completed_at_restart(setup):
    """The state file says a batch was committed; its renames had not happened yet."""
    _, _, queue, tmp = setup
    (queue.folder / ".000001_a.xml.ukm-part").write_bytes(b"a")
    (queue.folder / ".000002_b.xml.ukm-part").write_bytes(b"b")
    queue.state_path.parent.mkdir(parents=True, exist_ok=True)
    queue.state_path.write_text(
        json.dumps(
            {
                "cursor": 2,
                "next_number": 3,
                "pending": [
                    {
                        "folder": str(queue.folder),
                        "temp": ".000001_a.xml.ukm-part",
                        "final": "000001_a.xml",
                    },
                    {
                        "folder": str(queue.folder),
                        "temp": ".000002_b.xml.ukm-part",
                        "final": "000002_b.xml",
                    },
                ],
            }
        )
    )
    (queue.folder / "000001_a.xml").write_bytes(b"a")  # renamed just before the kill
    (queue.folder / ".000001_a.xml.ukm-part").unlink()
    (queue.folder / ".000003_c.xml.ukm-part").write_bytes(b"uncommitted")
    restarted = TillQueue(queue.till, queue.state_path)
    restarted.recover()
    assert visible(queue.folder) == ["000001_a.xml", "000002_b.xml"]
    assert restarted.next_number == 3


def test_a_file_the_till_took_away_is_not_written_again(setup):
    source, journal, queue, _ = setup
    drop(source, "a.xml", b"a")
    admit_all(journal, source)
    queue.deliver(journal.after(0, 10))
    (queue.folder / "000001_a.xml").unlink()  # the till took it
    restarted = TillQueue(queue.till, queue.state_path)
    restarted.recover()
    assert restarted.deliver(journal.after(restarted.cursor, 10)).queued == []
    assert visible(queue.folder) == []


def test_an_edited_state_file_is_a_clear_error(setup):
    _, _, queue, _ = setup
    queue.state_path.parent.mkdir(parents=True, exist_ok=True)
    queue.state_path.write_text("{not json")
    with pytest.raises(StateFileError, match="till-17-1.json is not valid JSON"):
        TillQueue(queue.till, queue.state_path)
    queue.state_path.write_text('{"cursor": "x"}')
    with pytest.raises(StateFileError, match="is damaged"):
        TillQueue(queue.till, queue.state_path)


def test_the_journal_removes_a_file_only_when_every_till_has_it(setup):
    source, journal, _, tmp = setup
    drop(source, "a.xml", b"a")
    drop(source, "b.xml", b"b")
    admit_all(journal, source)
    assert journal.release(0) == [] and len(journal.entries) == 2
    assert journal.release(1) == [source / "a.xml"]
    assert sorted(p.name for p in source.iterdir()) == ["b.xml"]
    reloaded = SourceJournal(journal.path)
    assert [e.name for e in reloaded.entries] == ["b.xml"] and reloaded.next_seq == 3


def test_the_journal_keeps_a_newer_version_of_a_released_file(setup):
    source, journal, _, _ = setup
    drop(source, "a.xml", b"first")
    admit_all(journal, source)
    drop(source, "a.xml", b"second, longer")
    admit_all(journal, source)
    assert journal.release(1) == []
    assert (source / "a.xml").read_bytes() == b"second, longer"
    assert [e.seq for e in journal.entries] == [2]
    assert journal.release(2) == [source / "a.xml"]


def test_a_file_still_being_written_waits_for_the_settle_time(tmp_path):
    settler = Settler(3600)
    (tmp_path / "growing.xml").write_bytes(b"x")
    assert settler.scan(tmp_path).settled == []
    settler.settle = 0
    (tmp_path / "growing.xml").write_bytes(b"xy")
    assert [n for n, _ in settler.scan(tmp_path).settled] == ["growing.xml"]


def test_scan_refuses_unsafe_names_and_non_files(tmp_path):
    for name in ("ok.xml", "a..b.xml", "..\\..\\x.xml", "C:x.xml", "nul.xml"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.xml").symlink_to(tmp_path / "ok.xml")
    scan = Settler(0).scan(tmp_path)
    assert [n for n, _ in scan.settled] == ["ok.xml"]
    assert set(scan.refused) == {"a..b.xml", "..\\..\\x.xml", "C:x.xml", "nul.xml", "link.xml"}
    assert isinstance(scan.settled[0][1], FileStamp)
