"""Times as text, one way per kind (ukm_actors/isotime.py, the bridge's row times)."""

import re
from datetime import UTC, datetime

from ukm_actors.bridge.documents import utc_now_iso
from ukm_actors.isotime import iso, iso_utc, local_now, ms_to_iso


def test_the_examples_of_the_module():
    assert iso(datetime(2024, 3, 15, 9, 31, 7, 500)) == "2024-03-15T09:31:07"
    assert iso(None) is None
    assert iso_utc(1710495067.5) == "2024-03-15T09:31:07+00:00"
    assert iso_utc(1710495067.5, z=True) == "2024-03-15T09:31:07Z"
    assert iso_utc(datetime(2024, 3, 15, 9, 31, 7), z=True) == "2024-03-15T09:31:07Z"
    assert iso_utc(datetime(2024, 3, 15, 12, 31, 7, tzinfo=UTC)) == "2024-03-15T12:31:07+00:00"
    assert ms_to_iso(1710495067500) == "2024-03-15T09:31:07Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", local_now())


def test_the_bridge_row_times_compare_in_time_order():
    before, now = utc_now_iso(seconds_ago=3600), utc_now_iso()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", now)
    assert before < now
