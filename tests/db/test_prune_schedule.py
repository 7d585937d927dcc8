"""A prune runs at the owner's first tick, then once per ``every``; never with keep_days 0."""

from __future__ import annotations

from datetime import datetime

from ukm_actors.db.prune import PruneSchedule


def test_a_prune_is_due_at_once_then_once_per_period():
    clock = [1000.0]
    schedule = PruneSchedule(keep_days=30, every=3600.0, clock=lambda: clock[0])
    cutoffs: list[datetime] = []
    schedule.when_due(cutoffs.append)
    assert len(cutoffs) == 1
    clock[0] += 3599.0
    schedule.when_due(cutoffs.append)
    assert len(cutoffs) == 1  # not yet
    clock[0] += 1.0
    schedule.when_due(cutoffs.append)
    assert len(cutoffs) == 2
    assert cutoffs[0] <= cutoffs[1]


def test_nothing_is_pruned_when_rows_are_kept_for_ever():
    schedule = PruneSchedule(keep_days=0)
    cutoffs: list[datetime] = []
    schedule.when_due(cutoffs.append)
    assert cutoffs == []
