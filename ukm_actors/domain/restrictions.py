"""Sale restrictions: time-of-day windows and minimum buyer's age.

Which rules apply to an item (by item group, store …) is decided by the
caller; these functions only answer "is it forbidden now" and "what age
must the buyer be".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from ukm_actors.errors import UkmError
from ukm_actors.i18n import _

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class SaleRestricted(UkmError):
    """The item may not be sold now, or not to this buyer; ``message`` is the rule's."""

    code = "sale.restricted"

    def __init__(self, message: str, *, rule_id: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.rule_id = rule_id


class RestrictionError(UkmError, ValueError):
    """A restriction rule that cannot be used as it is written."""

    code = "config.restriction"


@dataclass(frozen=True)
class TimeRule:
    """A window of the day in which the sale is FORBIDDEN.

    ``start`` is included, ``end`` is not. ``end < start`` means the window
    crosses midnight (23:00–08:00); ``end == start`` means a whole day
    starting at ``start``. ``days`` are weekdays (0 = Monday) on which the
    window starts; ``None`` means every day. A window that crosses midnight
    belongs to the day on which it starts: a Friday 23:00–08:00 window
    covers Saturday until 08:00 too.
    """

    id: str
    start: time
    end: time
    message: str
    days: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise RestrictionError("a time restriction needs an id")
        if not self.message.strip():
            # The trade system may send a rule without a text: the rule still applies.
            object.__setattr__(
                self,
                "message",
                f"this item may not be sold {self.start:%H:%M}–{self.end:%H:%M} (rule {self.id})",
            )
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise RestrictionError(
                f"time restriction {self.id!r}: give local times without a time zone"
            )
        if self.days is not None:
            days = frozenset(self.days)
            bad = sorted(d for d in days if not (isinstance(d, int) and 0 <= d <= 6))
            if bad or not days:
                raise RestrictionError(
                    f"time restriction {self.id!r}: days must be weekdays 0 (Mon) to 6 (Sun), "
                    f"at least one; got {sorted(self.days)!r}"
                )
            object.__setattr__(self, "days", days)

    @property
    def crosses_midnight(self) -> bool:
        """True when the window runs past midnight into the next day."""
        return self.end <= self.start

    def _starts_on(self, weekday: int) -> bool:
        return self.days is None or weekday in self.days

    def forbids(self, at: datetime) -> bool:
        """True when a sale at local wall-clock time ``at`` falls in this window."""
        t = at.time().replace(tzinfo=None)
        today = at.weekday()
        if not self.crosses_midnight:
            return self.start <= t < self.end and self._starts_on(today)
        if t >= self.start:
            return self._starts_on(today)
        if t < self.end:
            return self._starts_on((today - 1) % 7)
        return False

    def describe(self) -> str:
        """The window as a cashier reads it: ``"23:00–08:00 (Fri, Sat)"``."""
        text = f"{self.start:%H:%M}–{self.end:%H:%M}"
        if self.days is not None:
            text += " (" + ", ".join(_DAY_NAMES[d] for d in sorted(self.days)) + ")"
        return text


@dataclass(frozen=True)
class AgeRule:
    """The buyer must be at least ``min_age`` full years old."""

    id: str
    min_age: int
    message: str

    def __post_init__(self) -> None:
        if not self.id:
            raise RestrictionError("an age restriction needs an id")
        if not 0 <= self.min_age <= 150:
            raise RestrictionError(
                f"age restriction {self.id!r}: minimum age {self.min_age} is not 0 to 150"
            )
        if not self.message.strip():
            # The trade system may send a rule without a text: the rule still applies.
            object.__setattr__(
                self,
                "message",
                f"check the buyer's ID: they must be at least {self.min_age} years old",
            )


def _time_key(rule: TimeRule) -> tuple[str, time, time, str, tuple[int, ...]]:
    days = tuple(sorted(rule.days)) if rule.days is not None else ()
    return (rule.id, rule.start, rule.end, rule.message, days)


def check_time_rules(rules: Iterable[TimeRule], at: datetime) -> TimeRule | None:
    """The first rule (ordered by id) that forbids a sale at ``at``, or ``None``."""
    for rule in sorted(rules, key=_time_key):
        if rule.forbids(at):
            return rule
    return None


def ensure_time_allowed(rules: Iterable[TimeRule], at: datetime) -> None:
    """Raise ``SaleRestricted`` with the forbidding rule's message, if any rule forbids."""
    rule = check_time_rules(rules, at)
    if rule is not None:
        raise SaleRestricted(
            rule.message,
            rule_id=rule.id,
            hint=_("this item is not sold {value}", value=rule.describe()),
        )


def strictest_age(rules: Iterable[AgeRule]) -> AgeRule | None:
    """The rule with the highest ``min_age`` (lowest id on a tie), or ``None``."""
    best: AgeRule | None = None
    for rule in rules:
        if best is None or (-rule.min_age, rule.id) < (-best.min_age, best.id):
            best = rule
    return best


def age_on(birth: date, today: date) -> int:
    """Full years from ``birth`` to ``today``.

    Someone born on 29 February comes of age on 28 February in a common
    year (a term in years ends on the last day of the month when the month
    has no such date, Civil Code of the RF art. 192).
    """
    if today < birth:
        raise RestrictionError(f"date of birth {birth:%d.%m.%Y} is after {today:%d.%m.%Y}")
    years = today.year - birth.year
    try:
        anniversary = birth.replace(year=today.year)
    except ValueError:
        anniversary = date(today.year, 2, 28)
    if today < anniversary:
        years -= 1
    return years


def check_age(rule: AgeRule, birth: date, today: date) -> None:
    """Raise ``SaleRestricted`` when a buyer born on ``birth`` is under ``rule.min_age``."""
    age = age_on(birth, today)
    if age < rule.min_age:
        raise SaleRestricted(
            rule.message,
            rule_id=rule.id,
            hint=_(
                "the buyer is {age}, this item is sold from {min_age}",
                age=age,
                min_age=rule.min_age,
            ),
        )
