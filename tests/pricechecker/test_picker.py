"""Which till answers: round robin, fail-over within the deadline, skipping dead tills."""

from tests.pricechecker.conftest import LocalTill, http_ask
from ukm_actors.codecs.pricechecker import Answer
from ukm_actors.nodes.pricechecker.responder.tills import TillPicker, TillRef, till_refs


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def picker(tills, clock=None, deadline=0.3, dead_for=5.0):
    p = TillPicker(http_ask, deadline=deadline, dead_for=dead_for, clock=clock or Clock())
    p.set_tills([t.ref for t in tills])
    return p


def test_answers_come_from_both_tills_in_turn(local_tills):
    p = picker(local_tills)
    for _ in range(4):
        assert p.lookup("4600000000017") == Answer.found("4600000000017", "Молоко 3,2% 1 л", 8990)
    assert p.lookup("1") == Answer.not_found("1")
    assert [t.asked for t in local_tills] == [3, 2]


def test_a_stopped_till_is_skipped_and_the_other_answers(local_tills):
    clock = Clock()
    p = picker(local_tills, clock)
    local_tills[0].stop()
    for _ in range(3):
        assert p.lookup("2000000000015").kind == "found"
    assert local_tills[1].asked == 3
    st = {t["node_id"]: t for t in p.status()["tills"]}
    assert st["till-17-1"]["skipped_for_s"] > 0 and st["till-17-1"]["last_error"]
    assert st["till-17-2"]["answered"] == 3


def test_a_silent_till_is_left_after_the_deadline(local_tills):
    local_tills[0].delay = 2.0
    local_tills[1].delay = 0.0
    p = picker(local_tills, deadline=0.2)
    assert p.lookup("2000000000015").kind == "found"
    assert local_tills[1].asked == 1


def test_a_dead_till_is_tried_again_after_dead_for(local_tills):
    clock = Clock()
    p = picker(local_tills, clock, dead_for=5.0)
    local_tills[0].reply_override = {"found": "maybe"}
    assert p.lookup("2000000000015").kind == "found"
    assert p.lookup("2000000000015").kind == "found"
    assert local_tills[0].asked == 1
    local_tills[0].reply_override = None
    clock.now += 5.1
    for _ in range(2):
        p.lookup("2000000000015")
    assert local_tills[0].asked == 2


def test_no_till_running_means_unavailable(local_tills):
    p = picker(local_tills)
    for t in local_tills:
        t.stop()
    assert p.lookup("2000000000015") == Answer.unavailable()
    assert p.lookup("2000000000015") == Answer.unavailable()
    assert p.status()["unavailable_answers"] == 2
    assert TillPicker(http_ask, 0.1, 1.0).lookup("1") == Answer.unavailable()


def test_the_servers_till_list_keeps_the_tills_with_a_url():
    reply = {
        "tills": [
            {"node_id": "till-17-2", "number": 2, "url": "http://b", "last_seen": None},
            {"node_id": "till-17-1", "number": 1, "url": "http://a", "last_seen": None},
            {"node_id": "till-17-3", "number": 3, "url": None, "last_seen": None},
        ]
    }
    assert till_refs(reply) == [
        TillRef("till-17-1", 1, "http://a"),
        TillRef("till-17-2", 2, "http://b"),
    ]


def test_a_new_till_list_replaces_the_old_one(local_tills):
    p = picker(local_tills[:1])
    extra = LocalTill(3)
    try:
        p.set_tills([extra.ref])
        assert p.lookup("2000000000015").kind == "found"
        assert (local_tills[0].asked, extra.asked) == (0, 1)
    finally:
        extra.stop()


def test_a_till_that_failed_lately_is_still_asked_when_no_other_answers(local_tills):
    clock = Clock()
    p = picker(local_tills, clock, dead_for=60.0)
    local_tills[0].reply_override = {"found": "maybe"}
    assert p.lookup("2000000000015").kind == "found"  # till 2 answered; till 1 is dead
    local_tills[0].reply_override = None  # till 1 is back...
    local_tills[1].stop()  # ...and till 2 is gone
    assert p.lookup("2000000000015").kind == "found"
    assert local_tills[0].asked == 2


def test_a_till_with_every_slot_taken_is_busy_not_dead():
    """At most ``concurrency`` asks wait on one till; the next one does not queue forever."""
    import gevent
    import gevent.event

    gate = gevent.event.Event()

    def stuck_ask(till, name, message, timeout):
        gate.wait()  # a till that ignores the deadline: the picker's own guard ends it
        return {"found": False}

    p = TillPicker(stuck_ask, deadline=0.2, dead_for=5.0, concurrency=1)
    p.set_tills([TillRef("till-17-1", 1, "http://x")])
    first = gevent.spawn(p.lookup, "1")
    gevent.sleep(0)
    assert p.lookup("2") == Answer.unavailable("price check busy: try again")
    assert first.get(timeout=30) == Answer.unavailable()


def test_the_directory_asks_again_soon_while_no_till_has_an_address(tmp_path):
    """Just after `ukm up` the server knows the tills but not yet where they are."""
    import time

    from ukm_actors.nodes.pricechecker.responder.directory import EMPTY_RETRY, TillDirectory

    answers = [
        {"tills": [{"node_id": "till-17-1", "number": 1, "url": ""}]},
        {"tills": [{"node_id": "till-17-1", "number": 1, "url": "http://127.0.0.1:9"}]},
    ]
    asked = []

    def fetch():
        asked.append(time.monotonic())
        return answers[min(len(asked), len(answers)) - 1]

    picker = TillPicker(lambda *a: None, deadline=0.5, dead_for=5.0)
    directory = TillDirectory.start(fetch, picker, tmp_path / "tills.json", 3600.0)
    try:
        # soon: after EMPTY_RETRY, not the hour of the regular refresh (a generous bound
        # far below that hour, so a loaded machine cannot break it)
        deadline = time.monotonic() + EMPTY_RETRY + 60
        while not picker.tills and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [t.url for t in picker.tills] == ["http://127.0.0.1:9"]
        assert len(asked) == 2
    finally:
        directory.stop()
