"""A ``devices`` setting whose wake-up is lost is applied all the same.

The catalog's commit wakes the ``device_settings`` actor through the tree's names; while the
actor starts or restarts it is not named yet (the supervisor names a child once its
``on_start`` has answered), so the wake-up finds nobody and is dropped. That is how a till
once logged the settings document applied and never changed its devices (a browser test on
PostgreSQL, under load). The actor now checks again whenever the catalog's version moved
since its last check: at once when it moved during a check, else within a few seconds."""

from __future__ import annotations

from tests.till.test_server_devices import Pusher, status
from ukm_actors.nodes.till.devices.changes import NAME
from ukm_actors.supervision import wake
from ukm_actors.supervision.testing import expect


def test_a_setting_whose_wake_up_finds_no_actor_is_applied(start_till, tmp_path):
    own, pushed = tmp_path / "own.prn", tmp_path / "pushed.prn"
    node, till = start_till(devices={"printer": {"kind": "file", "path": str(own)}})
    names = node.ctx.names
    ref = names.get(NAME)
    expect(lambda: status(node)["printer"]["state"] == "running", what="the file's printer")
    names.discard(NAME)  # as while the supervisor starts the actor: not named yet
    try:
        assert names.find(NAME) is None
        Pusher(node)({"printer": {"kind": "file", "path": str(pushed)}})  # its wake-up: lost
        expect(lambda: status(node)["printer"]["source"] == "server", what="applied anyway")
        expect(lambda: status(node)["printer"]["state"] == "running", what="it runs")
        assert str(pushed) in status(node)["printer"]["driver"]["device"]
        assert status(node)["settings"]["server"] is True
        assert status(node)["settings"]["pending"] is None
    finally:
        names.set(NAME, ref)


def test_a_setting_committed_during_a_check_is_applied(start_till, tmp_path):
    """The catalog changes while the actor checks (its version moves under the check), and
    the wake-up of that commit is lost: the actor checks again at once."""
    own, pushed = tmp_path / "own.prn", tmp_path / "pushed.prn"
    node, till = start_till(devices={"printer": {"kind": "file", "path": str(own)}})
    names = node.ctx.names
    ref = names.get(NAME)
    catalog = node.ctx.services.catalog
    push = Pusher(node)
    pushed_once: list[bool] = []

    def during_the_check() -> None:
        # called in the check: the actor reads the catalog's setting, then the commit lands
        if not pushed_once:
            pushed_once.append(True)
            names.discard(NAME)
            push({"printer": {"kind": "file", "path": str(pushed)}})

    names.discard(NAME)
    try:
        real = catalog.setting

        def setting(key, default=None):
            value = real(key, default)
            if key == "devices":
                during_the_check()
            return value

        catalog.setting = setting  # type: ignore[method-assign]
        catalog.changed()  # a catalog change: its wake-up finds nobody either
        wake(ref)  # the actor checks (as its first check after a start)
        expect(lambda: pushed_once, what="the commit during the check")
        expect(lambda: status(node)["printer"]["source"] == "server", what="applied anyway")
    finally:
        catalog.__dict__.pop("setting", None)
        names.set(NAME, ref)


def test_a_setting_committed_without_telling_the_catalog_is_applied(start_till, tmp_path):
    """The catalog's commit never reached ``changed()`` (its cache keeps the old settings, no
    wake-up): the actor sees the database's catalog revision move and reads it again."""
    own, pushed = tmp_path / "own.prn", tmp_path / "pushed.prn"
    node, till = start_till(devices={"printer": {"kind": "file", "path": str(own)}})
    catalog = node.ctx.services.catalog
    assert catalog.setting("devices") is None  # cached
    listeners = list(catalog.listeners)
    applier = node.ctx.services.catalog_applier
    told, applier.on_commit = applier.on_commit, None  # the commit tells no one
    try:
        Pusher(node)({"printer": {"kind": "file", "path": str(pushed)}})
        assert catalog.listeners == listeners
        expect(lambda: status(node)["printer"]["source"] == "server", what="applied anyway")
        expect(lambda: status(node)["printer"]["state"] == "running", what="it runs")
        assert str(pushed) in status(node)["printer"]["driver"]["device"]
    finally:
        applier.on_commit = told
