from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ukm_actors.domain.restrictions import (
    AgeRule,
    RestrictionError,
    SaleRestricted,
    TimeRule,
    age_on,
    check_age,
    check_time_rules,
    ensure_time_allowed,
    strictest_age,
)

# 2024-05-17 is a Friday (weekday 4).
FRI = date(2024, 5, 17)
NIGHT = TimeRule("alc-night", time(23, 0), time(8, 0), "Alcohol is not sold from 23:00 to 08:00")


def at(d: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm, ss))


# --- time windows ----------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "forbidden"),
    [
        (at(FRI, 22, 59, 59), False),
        (at(FRI, 23, 0), True),
        (at(FRI, 23, 59, 59), True),
        (at(FRI, 0, 0), True),
        (at(FRI, 7, 59, 59), True),
        (at(FRI, 8, 0), False),
        (at(FRI, 12, 0), False),
    ],
)
def test_night_window_crosses_midnight(moment, forbidden):
    assert NIGHT.crosses_midnight
    assert NIGHT.forbids(moment) is forbidden


def test_day_window_start_included_end_excluded():
    rule = TimeRule("lunch", time(13, 0), time(14, 0), "No sales during the break")
    assert not rule.crosses_midnight
    assert not rule.forbids(at(FRI, 12, 59, 59))
    assert rule.forbids(at(FRI, 13, 0))
    assert not rule.forbids(at(FRI, 14, 0))


def test_equal_start_and_end_is_a_whole_day():
    rule = TimeRule("sunday", time(0, 0), time(0, 0), "Not on Sundays", days=frozenset({6}))
    sunday = FRI + timedelta(days=2)
    assert rule.forbids(at(sunday, 0, 0)) and rule.forbids(at(sunday, 23, 59, 59))
    assert not rule.forbids(at(sunday + timedelta(days=1), 0, 0))
    assert not rule.forbids(at(FRI, 12))


def test_a_midnight_window_belongs_to_the_day_it_starts():
    friday_night = TimeRule("fri", time(23, 0), time(8, 0), "No", days=frozenset({4}))
    saturday = FRI + timedelta(days=1)
    assert friday_night.forbids(at(FRI, 23, 30))
    assert friday_night.forbids(at(saturday, 7, 0))  # still Friday's window
    assert not friday_night.forbids(at(saturday, 23, 30))  # Saturday's window is not set
    assert not friday_night.forbids(at(FRI, 7, 0))  # that is Thursday's window


def test_days_accept_any_iterable_kind_and_are_frozen():
    rule = TimeRule("r", time(1), time(2), "No", days={0, 1})  # type: ignore[arg-type]
    assert rule.days == frozenset({0, 1})


def test_aware_datetimes_use_their_wall_clock():
    moment = datetime(2024, 5, 17, 23, 30, tzinfo=timezone(timedelta(hours=3)))
    assert NIGHT.forbids(moment)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"id": ""}, "needs an id"),
        ({"days": frozenset({7})}, "weekdays 0 (Mon) to 6 (Sun)"),
        ({"days": frozenset()}, "at least one"),
        ({"start": time(23, tzinfo=UTC)}, "without a time zone"),
    ],
)
def test_bad_time_rules_are_refused(kwargs, fragment):
    base = {"id": "r", "start": time(23), "end": time(8), "message": "No"}
    with pytest.raises(RestrictionError) as info:
        TimeRule(**(base | kwargs))
    assert fragment in info.value.message


def test_check_time_rules_returns_the_first_forbidding_rule_by_id():
    b = TimeRule("b", time(22), time(9), "rule b")
    a = TimeRule("a", time(23), time(8), "rule a")
    day = TimeRule("c", time(10), time(11), "rule c")
    assert check_time_rules([b, day, a], at(FRI, 23, 30)) is a
    assert check_time_rules([b, day, a], at(FRI, 22, 30)) is b
    assert check_time_rules([b, day, a], at(FRI, 10, 30)) is day
    assert check_time_rules([b, day, a], at(FRI, 12)) is None
    assert check_time_rules([], at(FRI, 12)) is None


def test_ensure_time_allowed_raises_with_the_rule_message():
    ensure_time_allowed([NIGHT], at(FRI, 12))
    with pytest.raises(SaleRestricted) as info:
        ensure_time_allowed([NIGHT], at(FRI, 23, 15))
    err = info.value
    assert err.code == "sale.restricted"
    assert err.rule_id == "alc-night"
    assert err.message == "Alcohol is not sold from 23:00 to 08:00"
    assert "23:00–08:00" in str(err)


def test_describe_lists_days():
    rule = TimeRule("r", time(23), time(8), "No", days=frozenset({5, 4}))
    assert rule.describe() == "23:00–08:00 (Fri, Sat)"


times = st.times()
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1))


@given(start=times, end=times, moment=moments)
def test_a_window_and_its_complement_cover_every_moment_exactly_once(start, end, moment):
    if start == end:
        return  # a whole-day window has no complement
    rule = TimeRule("w", start, end, "w")
    other = TimeRule("c", end, start, "c")
    assert rule.forbids(moment) != other.forbids(moment)


@given(
    start=times,
    end=times,
    days=st.frozensets(st.integers(0, 6), min_size=1),
    moment=moments,
)
def test_forbids_matches_a_window_by_window_model(start, end, days, moment):
    """Build each forbidden interval as real datetimes and check containment."""
    rule = TimeRule("w", start, end, "w", days=days)
    expected = False
    for back in (0, 1):
        day = moment.date() - timedelta(days=back)
        if day.weekday() not in days:
            continue
        begins = datetime.combine(day, start)
        ends = datetime.combine(day + timedelta(days=1 if end <= start else 0), end)
        if begins <= moment < ends:
            expected = True
    assert rule.forbids(moment) is expected


@given(start=times, end=times, moment=moments)
def test_every_day_is_the_same_as_all_seven_days(start, end, moment):
    every = TimeRule("w", start, end, "w")
    seven = TimeRule("w", start, end, "w", days=frozenset(range(7)))
    assert every.forbids(moment) is seven.forbids(moment)


# --- age ----------------------------------------------------------------------


def test_strictest_age():
    beer = AgeRule("beer", 18, "18+")
    tobacco = AgeRule("tobacco", 18, "18+ tobacco")
    energy = AgeRule("energy", 16, "16+")
    assert strictest_age([energy, tobacco, beer]) is beer  # tie → lowest id
    assert strictest_age([energy]) is energy
    assert strictest_age([]) is None


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"id": ""}, "needs an id"), ({"min_age": -1}, "not 0 to 150")],
)
def test_bad_age_rules_are_refused(kwargs, fragment):
    with pytest.raises(RestrictionError, match=fragment):
        AgeRule(**({"id": "r", "min_age": 18, "message": "18+"} | kwargs))


@pytest.mark.parametrize(
    ("birth", "today", "years"),
    [
        (date(2006, 5, 17), date(2024, 5, 17), 18),
        (date(2006, 5, 18), date(2024, 5, 17), 17),
        (date(2006, 2, 28), date(2024, 2, 28), 18),
        (date(2004, 2, 29), date(2022, 2, 27), 17),
        (date(2004, 2, 29), date(2022, 2, 28), 18),  # leapling: last day of February
        (date(2004, 2, 29), date(2024, 2, 29), 20),
        (date(2024, 1, 1), date(2024, 1, 1), 0),
    ],
)
def test_age_on(birth, today, years):
    assert age_on(birth, today) == years


def test_age_on_refuses_a_birth_date_in_the_future():
    with pytest.raises(RestrictionError, match="after"):
        age_on(date(2030, 1, 1), date(2024, 1, 1))


def test_check_age():
    rule = AgeRule("alc", 18, "Alcohol is sold only to buyers 18 and over")
    check_age(rule, date(2006, 5, 17), FRI)
    with pytest.raises(SaleRestricted) as info:
        check_age(rule, date(2006, 5, 18), FRI)
    assert info.value.message == "Alcohol is sold only to buyers 18 and over"
    assert info.value.rule_id == "alc"
    assert "the buyer is 17" in str(info.value)


def test_a_rule_without_a_message_still_applies_with_a_default_text():
    rule = TimeRule("T9", time(23), time(8), "  ")
    assert rule.message == "this item may not be sold 23:00–08:00 (rule T9)"
    assert rule.forbids(datetime(2024, 5, 17, 23, 30))
    age = AgeRule("A2", 18, "")
    assert age.message == "check the buyer's ID: they must be at least 18 years old"
