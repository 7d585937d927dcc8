"""``db.hooks.after_commit``: once, after the outermost commit; never at a SAVEPOINT's
release (SQLAlchemy's ``after_commit`` event fires there too) nor after a rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ukm_actors.db.hooks import after_commit


def test_it_waits_for_the_outer_commit_and_runs_once(database):
    calls: list[str] = []
    with database.write() as session:
        after_commit(session, lambda: calls.append("committed"))
        with session.begin_nested():
            session.execute(text("SELECT 1"))
        with session.begin_nested():
            session.execute(text("SELECT 1"))
        assert calls == []  # two SAVEPOINTs released, nothing committed yet
    assert calls == ["committed"]


def test_a_rollback_never_calls_it(database):
    calls: list[str] = []
    with pytest.raises(RuntimeError), database.write() as session:
        after_commit(session, lambda: calls.append("committed"))
        with session.begin_nested():
            session.execute(text("SELECT 1"))
        raise RuntimeError("the caller gave up")
    assert calls == []
