"""The integration module as a node: trade system files to every till, sales back."""

import os

import pytest

from tests.integration_module.conftest import drop, make_folders
from tests.nodes.helpers import get_json, start_node
from ukm_actors.config.loader import ConfigError
from ukm_actors.supervision.testing import crash, expect, find_child

pytestmark = pytest.mark.timeout(60)

DIST = "integration/tills/distributor-till-17-{}"


def state(node, path):
    return find_child(node.tree(), path)["state"]


def numbered(names):
    return [f"{i + 1:06d}_{name}" for i, name in enumerate(names)]


def test_many_files_reach_every_till_numbered_on_its_own_and_leave_the_source(folders, tmp_path):
    node = start_node("integration", tmp_path, integration=folders.section(batch=16))
    try:
        names = [f"f{i:03d}.xml" for i in range(90)]
        for i, name in enumerate(names):
            drop(folders.source, name, f"content {i}\n".encode() * (i + 1))
        for n in (1, 2, 3):
            expect(lambda n=n: folders.queue(n) == numbered(names), within=20, what=f"till {n}")
        for n in (1, 2, 3):
            for i, queued in enumerate(numbered(names)):
                assert (folders.tills[n] / queued).read_bytes() == (
                    f"content {i}\n".encode() * (i + 1)
                )
        expect(lambda: list(folders.source.iterdir()) == [], what="source emptied")
        _, st = get_json(node.ctx.url + "/status")
        info = st["integration"]
        assert info["settings"]["from"] == "local"
        assert info["tills"]["till-17-2"]["next_number"] == 91
        assert info["source"]["admitted_total"] == 90
    finally:
        node.stop()


def test_an_unwritable_till_folder_makes_that_till_wait_and_the_others_go_on(folders, tmp_path):
    node = start_node("integration", tmp_path, integration=folders.section())
    try:
        drop(folders.source, "a.xml", b"a")
        drop(folders.source, "b.xml", b"b")
        for n in (1, 2, 3):
            expect(lambda n=n: len(folders.queue(n)) == 2)
        # Till 2's queue folder becomes unusable (a file where the folder was).
        till2 = folders.tills[2]
        till2.rename(till2.with_name("in.moved"))
        till2.write_bytes(b"not a folder")
        for name in ("c.xml", "d.xml", "e.xml"):
            drop(folders.source, name, name.encode())
        for n in (1, 3):
            expect(
                lambda n=n: (
                    folders.queue(n) == numbered(["a.xml", "b.xml", "c.xml", "d.xml", "e.xml"])
                )
            )
        expect(lambda: state(node, DIST.format(2)) in ("restarting", "failed"))
        dist = find_child(node.tree(), DIST.format(2))
        assert str(till2) in dist["last_error"]["message"]
        assert state(node, DIST.format(1)) == "running"
        code, health = get_json(node.ctx.url + "/health")
        assert code == 503 and any("distributor-till-17-2" in r for r in health["reasons"])
        assert sorted(p.name for p in folders.source.iterdir()) == ["c.xml", "d.xml", "e.xml"]
        _, st = get_json(node.ctx.url + "/status")
        assert str(till2) in st["integration"]["tills"]["till-17-2"]["error"]
        # Repaired: till 2 catches up with its own next numbers; the source empties.
        till2.unlink()
        till2.with_name("in.moved").rename(till2)
        expect(
            lambda: folders.queue(2) == numbered(["a.xml", "b.xml", "c.xml", "d.xml", "e.xml"]),
            within=30,
        )
        expect(lambda: state(node, DIST.format(2)) == "running")
        expect(lambda: list(folders.source.iterdir()) == [])
        assert (till2 / "000004_d.xml").read_bytes() == b"d.xml"
    finally:
        node.stop()


def test_a_crashed_actor_is_restarted_without_stopping_the_others(folders, tmp_path):
    node = start_node("integration", tmp_path, integration=folders.section())
    try:
        before = node.names.get("distributor-till-17-1")
        crash(node.names.get("source_watcher"))
        expect(lambda: find_child(node.tree(), "integration/source_watcher")["restarts"] == 1)
        expect(lambda: state(node, "integration/source_watcher") == "running")
        assert node.names.get("distributor-till-17-1") is before
        drop(folders.source, "after.xml", b"x")
        expect(lambda: folders.queue(1) == ["000001_after.xml"])
    finally:
        node.stop()


def test_unsafe_names_stay_in_the_source_and_are_reported(folders, tmp_path):
    bad = ["a..b.xml", "..\\..\\evil.xml", "C:evil.xml", "nul.xml"]
    for name in bad:
        (folders.source / name).write_bytes(b"x")
    drop(folders.source, "good.xml", b"good")
    node = start_node("integration", tmp_path, integration=folders.section())
    try:
        expect(
            lambda: (
                list(folders.source.iterdir())
                and "good.xml" not in [p.name for p in folders.source.iterdir()]
            )
        )
        for n in (1, 2, 3):
            assert folders.queue(n) == ["000001_good.xml"]
        assert sorted(p.name for p in folders.source.iterdir()) == sorted(bad)
        _, st = get_json(node.ctx.url + "/status")
        refused = st["integration"]["source"]["refused"]
        assert set(refused) == set(bad) and "'..'" in refused["a..b.xml"]
    finally:
        node.stop()


def test_sales_files_are_copied_once_even_across_a_restart(folders, tmp_path):
    section = folders.section()
    drop(folders.outs[1], "sale_1_1.xml", b"receipt 1")
    drop(folders.outs[2], "sale_2_1.xml", b"receipt 2")
    node = start_node("integration", tmp_path, integration=section)
    try:
        expect(
            lambda: {p.name for p in folders.sales.iterdir()} == {"sale_1_1.xml", "sale_2_1.xml"}
        )
        assert (folders.sales / "sale_1_1.xml").read_bytes() == b"receipt 1"
        (folders.sales / "sale_1_1.xml").unlink()  # the trade system took it
    finally:
        node.stop()
    node = start_node("integration", tmp_path, integration=section)
    try:
        drop(folders.outs[1], "sale_1_2.xml", b"receipt 3")
        expect(lambda: (folders.sales / "sale_1_2.xml").exists())
        assert {p.name for p in folders.sales.iterdir()} == {"sale_2_1.xml", "sale_1_2.xml"}
        # A file rewritten under its name is a new version: copied again.
        (folders.sales / "sale_1_2.xml").unlink()
        drop(folders.outs[1], "sale_1_2.xml", b"receipt 3, corrected")
        expect(
            lambda: (
                (folders.sales / "sale_1_2.xml").exists()
                and (folders.sales / "sale_1_2.xml").read_bytes() == b"receipt 3, corrected"
            )
        )
        # the count follows the rename that made the copy visible
        expect(
            lambda: (
                get_json(node.ctx.url + "/status")[1]["integration"]["sales"]["till-17-1"][
                    "copied_total"
                ]
                == 3
            )
        )
    finally:
        node.stop()


def test_a_sales_file_never_overwrites_one_the_trade_system_has_not_taken(folders, tmp_path):
    drop(folders.outs[2], "same.xml", b"from till 2")
    drop(folders.outs[3], "same.xml", b"from till 3")
    node = start_node("integration", tmp_path, integration=folders.section())
    try:
        target = folders.sales / "same.xml"
        expect(lambda: target.exists())
        first = target.read_bytes()
        expect(
            lambda: (
                get_json(node.ctx.url + "/status")[1]["integration"]["sales"]["till-17-3"][
                    "waiting"
                ]
                == ["same.xml"]
            )
        )
        assert first == b"from till 2" and target.read_bytes() == first
        target.unlink()
        expect(lambda: target.exists() and target.read_bytes() == b"from till 3")
    finally:
        node.stop()


def test_settings_that_cannot_work_stop_the_start_with_a_clear_error(tmp_path):
    f = make_folders(tmp_path / "store", 2)
    section = f.section()
    section["tills"]["2"]["folder"] = str(f.source)
    with pytest.raises(ConfigError, match="till till-17-2 folder .* is also the source"):
        start_node("integration", tmp_path, integration=section)
    section = f.section()
    section["tills"]["2"]["folder"] = str(f.tills[1])
    with pytest.raises(ConfigError, match="uses the folder"):
        start_node("integration", tmp_path, integration=section)


def test_without_a_store_the_module_says_it_is_not_configured(tmp_path):
    node = start_node("integration", tmp_path)
    try:
        _, st = get_json(node.ctx.url + "/status")
        assert "not configured" in st["integration"]["error"]
        assert st["status"] == "ok"
    finally:
        node.stop()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO to block an open()")
def test_a_folder_that_hangs_holds_up_only_its_own_till(folders, tmp_path):
    """A till share that stops answering (open() blocks) must not freeze the node."""
    node = start_node("integration", tmp_path, integration=folders.section())
    try:
        expect(lambda: state(node, DIST.format(2)) == "running")
        fifo = folders.tills[2] / ".000001_a.xml.ukm-part"
        os.mkfifo(fifo)  # the distributor's open() of its temporary file blocks on it
        drop(folders.source, "a.xml", b"a")
        for n in (1, 3):
            expect(lambda n=n: folders.queue(n) == ["000001_a.xml"])
        code, _ = get_json(node.ctx.url + "/status")
        assert code == 200
        assert folders.queue(2) == [] and (folders.source / "a.xml").exists()
        # The share answers again: the blocked open completes, the copy fails (a FIFO
        # is not a file), the distributor restarts and delivers number 1 properly.
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        try:
            expect(lambda: folders.queue(2) == ["000001_a.xml"], within=30)
        finally:
            os.close(reader)
        assert (folders.tills[2] / "000001_a.xml").read_bytes() == b"a"
        expect(lambda: not (folders.source / "a.xml").exists())
    finally:
        node.stop()
