"""Building a queue from what a client wrote: every refusal names its field."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from domain.errors import InvalidQueue
from domain.queue import Queue, SlotRule

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def parse(**changes: Any) -> Queue:
    given: dict[str, Any] = {
        "timezone": "America/New_York",
        "slots": [(WEEKDAYS, ["09:00", "12:30"])],
        "blocked_dates": ["2026-12-25"],
    }
    return Queue.parse(**(given | changes))


def refused(**changes: Any) -> str:
    with pytest.raises(InvalidQueue) as caught:
        parse(**changes)
    assert caught.value.details == {"field": caught.value.field, "reason": caught.value.reason}
    return caught.value.field


def test_a_valid_queue_keeps_what_was_written_and_takes_the_defaults() -> None:
    queue = parse()
    assert queue.timezone == "America/New_York"
    assert queue.slots == (SlotRule(tuple(WEEKDAYS), (time(9), time(12, 30))),)
    assert queue.blocked_dates == {date(2026, 12, 25)}
    assert (queue.min_gap_minutes, queue.horizon_days) == (60, 7)
    assert queue.times_on(0) == (time(9), time(12, 30))
    assert queue.times_on(6) == ()


def test_times_of_a_day_come_from_every_entry_earliest_first() -> None:
    queue = parse(slots=[(["mon"], ["18:00"]), (["mon", "sat"], ["07:15"])])
    assert queue.times_on(0) == (time(7, 15), time(18))
    assert queue.times_on(5) == (time(7, 15),)


@pytest.mark.parametrize(
    "zone",
    [
        "America/Nowhere",
        "UTC+3",
        "",
        "america/new_york",
        "../etc/passwd",
        "/etc/localtime",
        "right/UTC",
        "posixrules",
    ],
)
def test_unknown_zones_are_refused(zone: str) -> None:
    assert refused(timezone=zone) == "timezone"


@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "Pacific/Chatham", "Etc/GMT-3"])
def test_known_zones_are_taken(zone: str) -> None:
    assert parse(timezone=zone).timezone == zone


@pytest.mark.parametrize(
    ("slots", "field"),
    [
        ([], "slots"),
        ([([], ["09:00"])], "slots[0].days"),
        ([(["mon"], [])], "slots[0].times"),
        ([(["monday"], ["09:00"])], "slots[0].days[0]"),
        ([(["mon", "Tue"], ["09:00"])], "slots[0].days[1]"),
        ([(["mon", "mon"], ["09:00"])], "slots[0].days[1]"),
        ([(["mon"], ["24:00"])], "slots[0].times[0]"),
        ([(["mon"], ["09:00", "9:7"])], "slots[0].times[1]"),
        ([(["mon"], ["09:60"])], "slots[0].times[0]"),
        ([(["mon"], ["09:00:00"])], "slots[0].times[0]"),
        ([(["mon"], [" 09:00"])], "slots[0].times[0]"),
        ([(["mon"], ["09:00", "09:00"])], "slots[0].times[1]"),
        ([(["mon"], ["09:00"]), (["tue", "mon"], ["10:00", "09:00"])], "slots[1].times[1]"),
    ],
)
def test_bad_slots_are_refused_by_their_path(slots: Any, field: str) -> None:
    assert refused(slots=slots) == field


def test_at_most_a_hundred_slots_a_week() -> None:
    times = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 20, 40)]
    assert len(parse(slots=[(["mon", "tue"], times[:50])]).slots[0].times) == 50
    assert refused(slots=[(["mon", "tue"], times[:50]), (["wed"], ["23:59"])]) == "slots"


@pytest.mark.parametrize(
    "value", ["2026-13-01", "2026-02-30", "25/12/2026", "20261225", "2026-1-05", ""]
)
def test_bad_blocked_dates_are_refused_by_their_index(value: str) -> None:
    assert refused(blocked_dates=["2026-12-24", value]) == "blocked_dates[1]"


def test_repeated_blocked_dates_count_once() -> None:
    assert parse(blocked_dates=["2026-12-25", "2026-12-25"]).blocked_dates == {date(2026, 12, 25)}


@pytest.mark.parametrize("value", [-1, 1441, True])
def test_the_gap_is_0_to_1440_minutes(value: int) -> None:
    assert refused(min_gap_minutes=value) == "min_gap_minutes"


@pytest.mark.parametrize("value", [0, 29, False])
def test_the_horizon_is_1_to_28_days(value: int) -> None:
    assert refused(horizon_days=value) == "horizon_days"


def test_the_bounds_themselves_are_taken() -> None:
    assert parse(min_gap_minutes=0, horizon_days=1).min_gap_minutes == 0
    assert parse(min_gap_minutes=1440, horizon_days=28).horizon_days == 28
