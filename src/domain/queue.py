"""A posting queue: an integration's weekly schedule in its own time zone.

Rules (section 9 of the contract), checked once, when a queue is built from input:
- `timezone` is an IANA zone name that the standard library's `zoneinfo` knows (from the
  OS or the `tzdata` package): `America/New_York`, `UTC`; not `UTC+3` or `America/Nowhere`.
- `slots` name days (`mon`..`sun`) and local times (`HH:MM`, 00:00-23:59, two digits
  each): at least one time a week, at most `MAX_SLOTS_A_WEEK`, no day twice in an entry
  and no (day, time) twice in the queue, so a mistake is pointed out rather than absorbed.
- `blocked_dates` are local dates `YYYY-MM-DD` on which no slot is offered.
- `min_gap_minutes` 0-1440 (default 60), `horizon_days` 1-28 (default 7).
Every refusal is an `InvalidQueue` naming the offending field by its dotted path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from domain.errors import InvalidQueue

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
MAX_SLOTS_A_WEEK = 100
MAX_BLOCKED_DATES = 1000
GAP_MINUTES = (0, 1440)
HORIZON_DAYS = (1, 28)
DEFAULT_GAP_MINUTES = 60
DEFAULT_HORIZON_DAYS = 7

_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True, slots=True)
class SlotRule:
    """Posting times on some days of the week, as written (for reading back)."""

    days: tuple[str, ...]
    times: tuple[time, ...]


@dataclass(frozen=True, slots=True)
class Queue:
    timezone: str
    slots: tuple[SlotRule, ...]
    blocked_dates: frozenset[date]
    min_gap_minutes: int = DEFAULT_GAP_MINUTES
    horizon_days: int = DEFAULT_HORIZON_DAYS
    _by_weekday: tuple[tuple[time, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_day: list[set[time]] = [set() for _ in DAYS]
        for rule in self.slots:
            for day in rule.days:
                by_day[DAYS.index(day)].update(rule.times)
        object.__setattr__(self, "_by_weekday", tuple(tuple(sorted(t)) for t in by_day))

    @classmethod
    def parse(
        cls,
        timezone: str,
        slots: Sequence[tuple[Sequence[str], Sequence[str]]],
        blocked_dates: Sequence[str] = (),
        min_gap_minutes: int = DEFAULT_GAP_MINUTES,
        horizon_days: int = DEFAULT_HORIZON_DAYS,
    ) -> Queue:
        """A queue from input as a client writes it (`slots` as (days, times) pairs)."""
        if not is_known_zone(timezone):
            raise InvalidQueue("timezone", f"{timezone!r} is not a known IANA time zone")
        _in_range("min_gap_minutes", min_gap_minutes, GAP_MINUTES)
        _in_range("horizon_days", horizon_days, HORIZON_DAYS)
        return cls(
            timezone=timezone,
            slots=_parse_slots(slots),
            blocked_dates=_parse_dates(blocked_dates),
            min_gap_minutes=min_gap_minutes,
            horizon_days=horizon_days,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # instances are cached by zoneinfo itself

    @property
    def gap(self) -> timedelta:
        return timedelta(minutes=self.min_gap_minutes)

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.horizon_days)

    def times_on(self, weekday: int) -> tuple[time, ...]:
        """The local posting times of a weekday (0 = Monday), earliest first."""
        return self._by_weekday[weekday]


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_known_zone(name: str) -> bool:
    """Only names in the zone database: `ZoneInfo` alone would also open any file under the
    zone directories (`posixrules`, `right/...`)."""
    return name in _known_zones()


def _in_range(field: str, value: int, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if isinstance(value, bool) or not low <= value <= high:
        raise InvalidQueue(field, f"must be an integer from {low} to {high}")


def _parse_slots(slots: Sequence[tuple[Sequence[str], Sequence[str]]]) -> tuple[SlotRule, ...]:
    if not slots:
        raise InvalidQueue("slots", "name at least one posting time")
    seen: set[tuple[str, time]] = set()
    rules = []
    for i, (days, times) in enumerate(slots):
        rule = SlotRule(_parse_days(i, days), _parse_times(i, times))
        for j, at in enumerate(rule.times):
            for day in rule.days:
                if (day, at) in seen:
                    raise InvalidQueue(
                        f"slots[{i}].times[{j}]", f"{day} {at:%H:%M} is already in the queue"
                    )
                seen.add((day, at))
        rules.append(rule)
    if len(seen) > MAX_SLOTS_A_WEEK:
        raise InvalidQueue("slots", f"at most {MAX_SLOTS_A_WEEK} posting times a week")
    return tuple(rules)


def _parse_days(i: int, days: Sequence[str]) -> tuple[str, ...]:
    if not days:
        raise InvalidQueue(f"slots[{i}].days", "name at least one day")
    for j, day in enumerate(days):
        if day not in DAYS:
            raise InvalidQueue(f"slots[{i}].days[{j}]", f"{day!r} is not one of {', '.join(DAYS)}")
        if day in days[:j]:
            raise InvalidQueue(f"slots[{i}].days[{j}]", f"{day} is named twice")
    return tuple(days)


def _parse_times(i: int, times: Sequence[str]) -> tuple[time, ...]:
    if not times:
        raise InvalidQueue(f"slots[{i}].times", "name at least one time")
    parsed = []
    for j, text in enumerate(times):
        found = _TIME.fullmatch(text)
        if found is None:
            raise InvalidQueue(
                f"slots[{i}].times[{j}]", f"{text!r} is not a time HH:MM (00:00-23:59)"
            )
        at = time(int(found[1]), int(found[2]))
        if at in parsed:
            raise InvalidQueue(f"slots[{i}].times[{j}]", f"{text} is named twice")
        parsed.append(at)
    return tuple(parsed)


def _parse_dates(values: Sequence[str]) -> frozenset[date]:
    if len(values) > MAX_BLOCKED_DATES:
        raise InvalidQueue("blocked_dates", f"at most {MAX_BLOCKED_DATES} dates")
    dates = set()
    for i, text in enumerate(values):
        try:
            if _DATE.fullmatch(text) is None:
                raise ValueError(text)
            dates.add(date.fromisoformat(text))
        except ValueError:
            raise InvalidQueue(
                f"blocked_dates[{i}]", f"{text!r} is not a date YYYY-MM-DD"
            ) from None
    return frozenset(dates)
