"""A queue's free slots: its local posting times in its zone, DST-correct, at least the gap
from every busy time; compared with a reference that walks every minute of the window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import islice
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.queue import DAYS, Queue, SlotRule
from domain.queue_slots import (
    candidates,
    common_slot,
    default_candidates,
    free_slots,
    still_first,
)
from domain.slots import DEFAULT_LEAD as LEAD
from domain.slots import find_next_slot
from tests.unit.domain.queue_reference import reference_candidates, reference_free

ZONES = (
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",  # a 30-minute shift
    "Asia/Kolkata",  # +05:30, no DST
    "Pacific/Chatham",  # +12:45 / +13:45
)


@cache
def transitions(zone_name: str) -> tuple[datetime, ...]:
    """The moments 2025-2029 when the zone's offset changes (found day by day, then to
    the minute by bisection), and each new year's midnight there."""
    zone = ZoneInfo(zone_name)
    found = []
    day = datetime(2025, 1, 1, tzinfo=UTC)
    while day.year < 2030:
        after = day + timedelta(days=1)
        if day.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            low, high = day, after
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                same = middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset()
                low, high = (middle, high) if same else (low, middle)
            found.append(high)
        day = after
    years = [datetime(y, 1, 1, tzinfo=zone).astimezone(UTC) for y in range(2026, 2030)]
    return tuple(found + years)


# Strategies ------------------------------------------------------------------------------

# Local times around the transitions (00:00-04:00, by the quarter hour), and anywhere.
tricky_times = st.builds(time, st.integers(0, 4), st.sampled_from([0, 15, 30, 45, 59]))
any_times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
slot_times = st.one_of(tricky_times, tricky_times, any_times)
slot_rules = st.builds(
    SlotRule,
    st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True).map(tuple),
    st.lists(slot_times, min_size=1, max_size=6, unique=True).map(tuple),
)


@st.composite
def situations(draw: st.DrawFn, max_horizon: int = 3) -> tuple[datetime, Queue, list[datetime]]:
    zone = draw(st.sampled_from(ZONES))
    near = draw(st.sampled_from(transitions(zone)))
    now = near + timedelta(seconds=draw(st.integers(-3 * 86_400, 86_400)))
    now = now.astimezone(draw(st.sampled_from([UTC, ZoneInfo(zone)])))
    rules, seen = [], set()
    for rule in draw(st.lists(slot_rules, min_size=1, max_size=4)):
        pairs = {(d, t) for d in rule.days for t in rule.times}
        if not pairs & seen:
            rules.append(rule)
            seen |= pairs
    local_today = now.astimezone(ZoneInfo(zone)).date()
    blocked = draw(
        st.frozensets(
            st.integers(-1, max_horizon + 1).map(lambda n: local_today + timedelta(days=n)),
            max_size=2,
        )
    )
    queue = Queue(
        timezone=zone,
        slots=tuple(rules),
        blocked_dates=blocked,
        min_gap_minutes=draw(st.sampled_from([0, 1, 30, 60, 61, 90, 1440])),
        horizon_days=draw(st.integers(1, max_horizon)),
    )
    every = reference_candidates(now, queue)
    near_one = st.builds(
        lambda c, minutes, micro: c + timedelta(minutes=minutes, microseconds=micro),
        st.sampled_from(every) if every else st.just(now),
        st.sampled_from([0, 1, -1, 30, -30, 59, -59, 60, -60, 61, -61, 90, -90]),
        st.sampled_from([0, 0, 1, -1]),
    )
    anywhere = st.builds(
        lambda s: now + timedelta(seconds=s), st.floats(-86_400, (max_horizon + 1) * 86_400)
    )
    # In UTC, as the busy-time port gives them.
    in_utc = st.one_of(near_one, near_one, anywhere).map(lambda t: t.astimezone(UTC))
    busy = draw(st.lists(in_utc, max_size=30))
    return now, queue, busy


Situation = tuple[datetime, Queue, list[datetime]]


# Properties -------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(situations())
def test_the_free_slots_are_the_references(situation: Situation) -> None:
    now, queue, busy = situation
    assert list(free_slots(now, queue, busy)) == reference_free(now, queue, busy)


@settings(max_examples=40, deadline=None)
@given(situations())
def test_with_nothing_busy_every_candidate_is_free(situation: Situation) -> None:
    now, queue, _ = situation
    expected = reference_candidates(now, queue)
    assert candidates(now, queue) == expected
    assert list(free_slots(now, queue, [])) == expected


@settings(max_examples=6, deadline=None)
@given(situations(max_horizon=28))
def test_long_horizons_follow_the_same_rule(situation: Situation) -> None:
    now, queue, busy = situation
    assert list(free_slots(now, queue, busy)) == reference_free(now, queue, busy)


@settings(max_examples=40, deadline=None)
@given(situations(), st.integers(1, 50))
def test_the_next_n_are_the_first_n_and_order_does_not_matter(
    situation: Situation, count: int
) -> None:
    now, queue, busy = situation
    expected = reference_free(now, queue, busy)[:count]
    assert list(islice(free_slots(now, queue, reversed(busy)), count)) == expected


@settings(max_examples=40, deadline=None)
@given(situations(), situations())
def test_a_common_slot_is_the_earliest_free_on_every_queue(
    first: Situation, second: Situation
) -> None:
    now, queue, busy = first
    _, other_queue, other_busy = second
    shared = set(reference_free(now, queue, busy)) & set(
        reference_free(now, other_queue, other_busy)
    )
    streams = [free_slots(now, queue, busy), free_slots(now, other_queue, other_busy)]
    assert common_slot(streams) == (min(shared) if shared else None)


@settings(max_examples=40, deadline=None)
@given(situations())
def test_without_a_queue_the_default_rule_stands(situation: Situation) -> None:
    now, _, busy = situation
    now = now.astimezone(UTC)  # as the clock gives it
    assert next(free_slots(now, None, busy), None) == find_next_slot(now, busy)
    assert default_candidates(now)[0] == find_next_slot(now, [])


@settings(max_examples=200, deadline=None)
@given(situations(), st.booleans(), st.data())
def test_a_first_slot_that_still_holds_is_what_a_new_search_finds(
    situation: Situation, with_queue: bool, data: st.DataObject
) -> None:
    """Found at `now`, then the clock moves: on by a share of the time up to the slot,
    to within a microsecond of the slot's last minute, or back. Whenever `still_first`
    says the slot holds, a search at the new time finds exactly it."""
    now, queue, busy = situation
    now = now.astimezone(UTC)  # as the clock gives it
    rule = queue if with_queue else None
    found = next(free_slots(now, rule, busy), None)
    if found is None:
        return
    later = data.draw(
        st.one_of(
            st.floats(0, 1).map(lambda share: now + (found - LEAD - now) * share),
            st.sampled_from([-1, 0, 1, 60_000_000]).map(
                lambda micro: found - LEAD + timedelta(microseconds=micro)
            ),
            st.floats(1e-6, 2 * 3600).map(lambda back: now - timedelta(seconds=back)),
        )
    )
    if still_first(now, found, later):
        assert next(free_slots(later, rule, busy), None) == found
        if rule is None:
            assert find_next_slot(later, busy) == found
    else:
        assert later < now or later > found - LEAD


def test_a_first_slot_holds_until_a_minute_before_it_and_not_for_a_clock_gone_back() -> None:
    now, slot = utc("2026-04-17 08:10"), utc("2026-04-17 11:00")
    assert still_first(now, slot, now)
    assert still_first(now, slot, utc("2026-04-17 10:59"))
    assert not still_first(now, slot, utc("2026-04-17 10:59:00.000001"))
    assert not still_first(now, slot, now - timedelta(microseconds=1))
    zoned = now.astimezone(ZoneInfo("America/New_York"))
    assert still_first(zoned, slot, now) and still_first(now, slot, zoned)


# Examples ---------------------------------------------------------------------------------


def a_queue(zone: str, *times: str, days: tuple[str, ...] = DAYS, **kwargs: object) -> Queue:
    return Queue.parse(zone, [(days, times)], **kwargs)  # type: ignore[arg-type]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_new_york_spring_forward_moves_a_missing_time_forward_by_the_gap() -> None:
    # 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist and becomes 03:30 EDT.
    queue = a_queue("America/New_York", "02:30", days=("sun",))
    assert candidates(utc("2026-03-07 12:00"), queue) == [utc("2026-03-08 07:30")]


def test_new_york_fall_back_uses_a_repeated_time_once_at_its_first_occurrence() -> None:
    # 2026-11-01: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    queue = a_queue("America/New_York", "01:30", days=("sun",))
    assert candidates(utc("2026-10-31 12:00"), queue) == [utc("2026-11-01 05:30")]
    # Once the first has passed, the second occurrence is not offered either.
    assert candidates(utc("2026-11-01 06:00"), queue) == []


def test_lord_howe_moves_a_missing_time_by_thirty_minutes() -> None:
    # 2026-10-04: 02:00 +10:30 jumps to 02:30 +11:00; 02:15 becomes 02:45 (15:45Z).
    queue = a_queue("Australia/Lord_Howe", "02:15", days=("sun",))
    assert candidates(utc("2026-10-03 00:00"), queue) == [utc("2026-10-03 15:45")]


def test_blocked_dates_are_local_dates() -> None:
    # 23:30 in Kolkata on 2026-12-25 is 18:00Z the same day; 00:30 on the 26th is 19:00Z
    # on the 25th, and stays a candidate.
    queue = a_queue("Asia/Kolkata", "00:30", "23:30", blocked_dates=["2026-12-25"])
    found = candidates(utc("2026-12-24 19:30"), a_queue("Asia/Kolkata", "00:30", "23:30"))
    assert utc("2026-12-25 18:00") in found
    blocked = candidates(utc("2026-12-24 19:30"), queue)
    assert utc("2026-12-25 18:00") not in blocked
    assert utc("2026-12-25 19:00") in blocked


def test_candidates_cross_the_year_end_in_local_time() -> None:
    queue = a_queue("Pacific/Chatham", "00:00", horizon_days=2)
    # Chatham is +13:45 in summer: local midnight on 2027-01-01 is 10:15Z on 2026-12-31.
    assert candidates(utc("2026-12-30 12:00"), queue) == [
        utc("2026-12-31 10:15"),
        utc("2027-01-01 10:15"),
    ]


def test_the_gap_is_the_queues_own() -> None:
    queue = a_queue("UTC", "09:00", "09:30", "10:00", min_gap_minutes=30)
    now = utc("2026-04-17 08:00")
    assert list(free_slots(now, queue, [utc("2026-04-17 09:00")]))[:2] == [
        utc("2026-04-17 09:30"),
        utc("2026-04-17 10:00"),
    ]


def test_a_zero_gap_never_blocks() -> None:
    queue = a_queue("UTC", "09:00", min_gap_minutes=0)
    now = utc("2026-04-17 08:00")
    assert next(free_slots(now, queue, [utc("2026-04-17 09:00")])) == utc("2026-04-17 09:00")


def test_the_horizon_is_inclusive_and_the_lead_a_minute() -> None:
    queue = a_queue("UTC", "09:00", horizon_days=1)
    assert candidates(utc("2026-04-17 08:59"), queue) == [utc("2026-04-17 09:00")]
    # Now + 1 minute is past 09:00; now + 1 day is exactly the next 09:00.
    assert candidates(utc("2026-04-17 09:00"), queue) == [utc("2026-04-18 09:00")]
    assert candidates(utc("2026-04-17 08:59:01"), queue) == []


def test_no_common_slot_between_queues_that_never_meet() -> None:
    now = utc("2026-04-17 08:00")
    streams = [
        free_slots(now, a_queue("UTC", "09:00"), []),
        free_slots(now, a_queue("UTC", "10:00"), []),
    ]
    assert common_slot(streams) is None


def test_a_queue_and_the_default_rule_meet_on_a_top_of_the_hour() -> None:
    now = utc("2026-04-17 08:00")
    streams = [
        free_slots(now, a_queue("Asia/Kolkata", "14:00", "14:30"), []),  # 08:30Z, 09:00Z
        free_slots(now, None, []),
    ]
    assert common_slot(streams) == utc("2026-04-17 09:00")


def test_naive_times_are_refused() -> None:
    queue = a_queue("UTC", "09:00")
    for call in (
        lambda: candidates(datetime(2026, 4, 17), queue),
        lambda: list(free_slots(utc("2026-04-17 08:00"), queue, [datetime(2026, 4, 17)])),
    ):
        try:
            call()
        except ValueError:
            continue
        raise AssertionError("a naive datetime was accepted")


def test_a_date_helper_for_readers() -> None:
    assert date(2026, 3, 8).weekday() == DAYS.index("sun")
