"""The next free slot: the earliest top of the hour (UTC), at least a minute away and at most
seven days away, with no busy time less than an hour from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.slots import DEFAULT_GAP, DEFAULT_HORIZON, DEFAULT_LEAD, find_next_slot

HOUR = timedelta(hours=1)
INDIA = timezone(timedelta(hours=5, minutes=30))
BRAZIL = timezone(timedelta(hours=-3))


def at(text: str) -> datetime:
    """A UTC moment written as 'YYYY-MM-DD HH:MM[:SS[.ffffff]]'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def reference_slot(
    now: datetime,
    busy: list[datetime],
    gap: timedelta = DEFAULT_GAP,
    horizon: timedelta = DEFAULT_HORIZON,
    lead: timedelta = DEFAULT_LEAD,
) -> datetime | None:
    """The rule read literally: walk every candidate and check every busy time."""
    earliest = (now + lead).astimezone(UTC)
    candidate = earliest.replace(minute=0, second=0, microsecond=0)
    if candidate < earliest:
        candidate += HOUR
    while candidate <= now + horizon:
        if all(abs(p - candidate) >= gap for p in busy):
            return candidate
        candidate += HOUR
    return None


def candidates(now: datetime) -> list[datetime]:
    """Every top of the hour the default rule considers."""
    found, slot = [], reference_slot(now, [])
    while slot is not None and slot <= now + DEFAULT_HORIZON:
        found.append(slot)
        slot += HOUR
    return found


# Strategies ------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2032, 12, 31),
    timezones=st.sampled_from([UTC, INDIA, BRAZIL]),
)
tops_of_the_hour = moments.map(
    lambda m: m.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
)
nows = st.one_of(
    moments,
    tops_of_the_hour,
    tops_of_the_hour.map(lambda m: m - timedelta(seconds=30)),  # hh:59:30
    tops_of_the_hour.map(lambda m: m - DEFAULT_LEAD),  # exactly a minute before the hour
)
# Offsets that sit on, just inside and just outside the one-hour gap around a candidate.
near_a_candidate = st.sampled_from(
    [
        timedelta(0),
        HOUR,
        -HOUR,
        HOUR - timedelta(microseconds=1),
        -HOUR + timedelta(microseconds=1),
        timedelta(minutes=30),
        timedelta(minutes=-30),
        timedelta(minutes=59, seconds=59),
    ]
)


def busy_time(now: datetime) -> st.SearchStrategy[datetime]:
    """On, just inside or just outside the gap around some candidate, or anywhere from
    three hours before now to eight days after."""
    first = reference_slot(now, []) or now
    return st.one_of(
        st.builds(
            lambda hours, offset: first + hours * HOUR + offset,
            st.integers(min_value=-3, max_value=24 * 7 + 3),
            near_a_candidate,
        ),
        st.builds(
            lambda seconds: now + timedelta(seconds=seconds),
            st.floats(min_value=-3 * 3600, max_value=8 * 24 * 3600, allow_nan=False),
        ),
    )


@st.composite
def busy_times(draw: st.DrawFn, now: datetime) -> list[datetime]:
    """Unsorted, with duplicates."""
    times = draw(st.lists(busy_time(now), max_size=80))
    duplicates = draw(st.lists(st.sampled_from(times), max_size=5)) if times else []
    return draw(st.permutations(times + duplicates))


Situation = tuple[datetime, list[datetime]]


@st.composite
def situations(draw: st.DrawFn) -> Situation:
    now = draw(nows)
    return now, draw(busy_times(now))


# Properties -------------------------------------------------------------------------------


@given(situations())
def test_the_answer_is_the_earliest_free_candidate(situation: Situation) -> None:
    now, busy = situation
    assert find_next_slot(now, busy) == reference_slot(now, busy)


@given(
    situations(),
    st.sampled_from([timedelta(minutes=30), HOUR, timedelta(minutes=90), timedelta(hours=3)]),
    st.sampled_from([HOUR, timedelta(days=1), DEFAULT_HORIZON]),
    st.sampled_from([timedelta(0), DEFAULT_LEAD, timedelta(minutes=59)]),
)
def test_other_gaps_horizons_and_leads_follow_the_same_rule(
    situation: Situation,
    gap: timedelta,
    horizon: timedelta,
    lead: timedelta,
) -> None:
    now, busy = situation
    found = find_next_slot(now, busy, gap=gap, horizon=horizon, lead=lead)
    assert found == reference_slot(now, busy, gap=gap, horizon=horizon, lead=lead)


@given(situations())
def test_the_answer_is_a_free_top_of_the_hour_inside_the_window(
    situation: Situation,
) -> None:
    now, busy = situation
    slot = find_next_slot(now, busy)
    if slot is None:
        return
    assert slot.utcoffset() == timedelta(0)
    assert (slot.minute, slot.second, slot.microsecond) == (0, 0, 0)
    assert now + DEFAULT_LEAD <= slot <= now + DEFAULT_HORIZON
    assert all(abs(p - slot) >= DEFAULT_GAP for p in busy)


@given(situations())
def test_no_earlier_candidate_is_free(situation: Situation) -> None:
    now, busy = situation
    slot = find_next_slot(now, busy)
    for candidate in candidates(now):
        if slot is not None and candidate >= slot:
            break
        assert any(abs(p - candidate) < DEFAULT_GAP for p in busy), candidate


@given(situations(), st.data())
def test_another_busy_time_never_makes_the_answer_earlier(
    situation: Situation, data: st.DataObject
) -> None:
    now, busy = situation
    extra = data.draw(busy_time(now))
    before = find_next_slot(now, busy)
    after = find_next_slot(now, [*busy, extra])
    if before is None:
        assert after is None
    elif after is not None:
        assert after >= before


@given(nows)
def test_with_nothing_scheduled_the_first_candidate_is_free(now: datetime) -> None:
    slot = find_next_slot(now, [])
    assert slot is not None
    assert now + DEFAULT_LEAD <= slot < now + DEFAULT_LEAD + HOUR


@given(nows)
def test_a_post_on_every_candidate_leaves_no_slot(now: datetime) -> None:
    assert find_next_slot(now, candidates(now)) is None


@given(nows, st.data())
def test_freeing_one_candidate_of_a_full_week_makes_it_the_answer(
    now: datetime, data: st.DataObject
) -> None:
    """Posts exactly one hour apart block only their own hour."""
    every = candidates(now)
    freed = data.draw(st.sampled_from(every))
    assert find_next_slot(now, [c for c in every if c != freed]) == freed


@given(situations())
def test_none_exactly_when_every_candidate_is_taken(
    situation: Situation,
) -> None:
    now, busy = situation
    all_taken = all(any(abs(p - c) < DEFAULT_GAP for p in busy) for c in candidates(now))
    assert (find_next_slot(now, busy) is None) == all_taken


@given(situations())
def test_the_order_of_busy_times_does_not_matter(
    situation: Situation,
) -> None:
    now, busy = situation
    assert find_next_slot(now, busy) == find_next_slot(now, sorted(busy, reverse=True))


# Examples ---------------------------------------------------------------------------------


def test_nothing_scheduled_gives_the_next_top_of_the_hour() -> None:
    assert find_next_slot(at("2026-04-17 12:10"), []) == at("2026-04-17 13:00")


def test_a_post_exactly_one_hour_away_does_not_block() -> None:
    now = at("2026-04-17 12:10")
    assert find_next_slot(now, [at("2026-04-17 14:00")]) == at("2026-04-17 13:00")
    assert find_next_slot(now, [at("2026-04-17 12:00")]) == at("2026-04-17 13:00")


def test_a_post_less_than_an_hour_away_blocks() -> None:
    now = at("2026-04-17 12:10")
    assert find_next_slot(now, [at("2026-04-17 13:59:59")]) == at("2026-04-17 15:00")
    assert find_next_slot(now, [at("2026-04-17 12:00:01")]) == at("2026-04-17 14:00")


def test_a_post_at_half_past_blocks_both_neighbouring_hours() -> None:
    now = at("2026-04-17 12:10")
    assert find_next_slot(now, [at("2026-04-17 13:30")]) == at("2026-04-17 15:00")


def test_the_hour_less_than_a_minute_away_is_skipped() -> None:
    assert find_next_slot(at("2026-04-17 12:59:30"), []) == at("2026-04-17 14:00")
    assert find_next_slot(at("2026-04-17 12:59:00.000001"), []) == at("2026-04-17 14:00")


def test_the_hour_exactly_a_minute_away_is_a_candidate() -> None:
    assert find_next_slot(at("2026-04-17 12:59:00"), []) == at("2026-04-17 13:00")


def test_now_on_the_hour_starts_at_the_next_hour() -> None:
    assert find_next_slot(at("2026-04-17 13:00:00"), []) == at("2026-04-17 14:00")


def test_the_answer_is_in_utc_whatever_the_zone_of_now() -> None:
    now = datetime(2026, 4, 17, 17, 40, tzinfo=INDIA)  # 12:10 UTC
    slot = find_next_slot(now, [])
    assert slot == at("2026-04-17 13:00")
    assert slot is not None and slot.tzinfo == UTC


def test_the_last_candidate_is_exactly_seven_days_ahead() -> None:
    now = at("2026-04-17 12:00")
    week = [now + n * HOUR for n in range(1, 7 * 24)]
    assert find_next_slot(now, week) == at("2026-04-24 12:00")
    assert find_next_slot(now, [*week, at("2026-04-24 12:00")]) is None


def test_busy_times_outside_the_window_are_ignored() -> None:
    now = at("2026-04-17 12:10")
    far = [at("2026-04-17 10:00"), at("2026-05-01 13:00"), at("2020-01-01 00:00")]
    assert find_next_slot(now, far) == at("2026-04-17 13:00")


def test_unsorted_duplicated_busy_times_are_fine() -> None:
    now = at("2026-04-17 12:10")
    busy = [at("2026-04-17 14:00"), at("2026-04-17 13:00"), at("2026-04-17 13:00")]
    assert find_next_slot(now, busy) == at("2026-04-17 15:00")


def test_busy_times_in_other_zones_are_compared_as_instants() -> None:
    now = at("2026-04-17 12:10")
    thirteen_utc = datetime(2026, 4, 17, 10, 0, tzinfo=BRAZIL)
    assert find_next_slot(now, [thirteen_utc]) == at("2026-04-17 14:00")


def test_a_fully_booked_week_has_no_slot() -> None:
    now = at("2026-04-17 12:10")
    assert find_next_slot(now, [now + timedelta(minutes=30) * n for n in range(400)]) is None


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        find_next_slot(datetime(2026, 4, 17, 12, 10), [])
    with pytest.raises(ValueError, match="time zone"):
        find_next_slot(at("2026-04-17 12:10"), [datetime(2026, 4, 17, 13, 0)])
