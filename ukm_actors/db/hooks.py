"""``after_commit(session, fn)``: run ``fn`` once the session's transaction has committed.

SQLAlchemy emits its ``after_commit`` event for a SAVEPOINT released inside the
transaction too (``session.begin_nested()``, which the bridge's inbox wraps every
applier in), and then nothing is committed yet: a cache dropped or a reader woken
at that moment reads the old rows again, and may keep them. On a till under load
that kept a lifted sale restriction in force until the next catalog change: the
cache was refilled between the release and the commit with the old rules and the
new revision. So the hook waits for the outermost commit, and runs once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


def after_commit(session: Session, fn: Callable[[], None]) -> None:
    """Call ``fn()`` once, after the outermost transaction of ``session`` commits (never
    when a SAVEPOINT inside it is released; never if it rolls back)."""
    done = False

    def hook(committed: Session) -> None:
        nonlocal done
        if done or committed.in_nested_transaction():
            return  # a SAVEPOINT released: the transaction itself has not committed yet
        done = True
        fn()

    event.listen(session, "after_commit", hook)
