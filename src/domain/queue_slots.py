"""A queue's free slots, as one pure function of (now, queue, busy times).

Candidates are the queue's local posting times, resolved in its time zone, from the first
at least `LEAD` after `now` up to `now + horizon` inclusive, on every local date that is
not blocked. Daylight saving decides how a local time becomes a moment:
- a local time that does not exist (spring forward) moves forward by the size of the gap:
  02:30 on a night that jumps from 02:00 to 03:00 is posted at 03:30;
- a local time that happens twice (fall back) is used once, at its first occurrence.
Both are what `zoneinfo` gives a wall time with `fold=0` (PEP 495), so the rule is the
standard library's, not ours. A candidate `t` is free when every busy time `p` has
`|p - t| >= min_gap`, as in section 3.

`free_slots` yields the free candidates earliest first, lazily: its first item is the next
free slot, the first N a preview, and with no busy times it yields every candidate. Busy
times are sorted once (in linear time when they come in order, as the database gives
them) and swept by one cursor that only moves forward: O(n + candidates x log n).

`common_slot` takes the earliest moment free in every one of several such streams, for a
post with several integrations, each with its own queue or section 3's default rule.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

from domain.queue import Queue
from domain.slots import DEFAULT_GAP, DEFAULT_HORIZON, DEFAULT_LEAD

LEAD = DEFAULT_LEAD
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def candidates(now: datetime, queue: Queue) -> list[datetime]:
    """Every candidate of the window, in UTC, earliest first, each once."""
    _require_aware(now)
    now = now.astimezone(UTC)  # arithmetic on a zoned `now` would run on its wall clock
    first, last = now + LEAD, now + queue.horizon
    zone, blocked = queue.zone, queue.blocked_dates
    # A moved (spring-forward) time lands at most a few hours later than it is written, so
    # a day's margin either side of the window's local dates catches every candidate.
    day = first.astimezone(zone).date() - DAY
    final = last.astimezone(zone).date() + DAY
    found: list[datetime] = []
    while day <= final:
        if day not in blocked:
            for at in queue.times_on(day.weekday()):
                moment = datetime.combine(day, at, zone).astimezone(UTC)
                if first <= moment <= last:
                    found.append(moment)
        day += DAY
    found.sort()  # a moved time may land on, or after, a later one
    return [m for i, m in enumerate(found) if i == 0 or m != found[i - 1]]


def default_candidates(now: datetime) -> list[datetime]:
    """Section 3's candidates: the tops of the hour (UTC) from now + 1 minute to now + 7 days."""
    _require_aware(now)
    earliest = (now + DEFAULT_LEAD).astimezone(UTC)
    top = earliest.replace(minute=0, second=0, microsecond=0)
    top = top if top == earliest else top + HOUR
    found = []
    while top <= now + DEFAULT_HORIZON:
        found.append(top)
        top += HOUR
    return found


def free_slots(now: datetime, queue: Queue | None, busy: Iterable[datetime]) -> Iterator[datetime]:
    """The free candidates of `queue` (section 3's default rule when None), earliest first.
    Busy times are compared as `datetime` compares them: give them in UTC (the busy-time
    port does), since two times in one `ZoneInfo` zone compare by their wall clocks."""
    if queue is None:
        return sweep(default_candidates(now), busy, DEFAULT_GAP)
    return sweep(candidates(now, queue), busy, queue.gap)


def blocking_window(now: datetime, queue: Queue | None) -> tuple[datetime, datetime]:
    """The busy times that can block a candidate lie within one gap of the window."""
    if queue is None:
        return now + DEFAULT_LEAD - DEFAULT_GAP, now + DEFAULT_HORIZON + DEFAULT_GAP
    return now + LEAD - queue.gap, now + queue.horizon + queue.gap


def still_first(found_at: datetime, slot: datetime, now: datetime) -> bool:
    """Whether `slot`, the first free slot at `found_at` (either rule), is the first at `now`
    too, as long as nothing it was found from (the busy times, the queue) has changed.

    The candidates are a fixed set of moments (the tops of the hour, or the queue's times
    resolved in its zone) cut to the window [now + LEAD, now + horizon], and whether one
    is free depends on the busy times alone. At `found_at` every candidate before `slot`
    was taken. For `now` from `found_at` to `slot - LEAD` the window's start moves up but
    not past `slot`, so the candidates before `slot` are some of those that were taken,
    and its end moves later, so `slot` is still in: the first free one is still `slot`.
    A clock that went back, or moved past `slot - LEAD`, needs the search again."""
    if found_at.tzinfo is not UTC or now.tzinfo is not UTC:
        # Two times in one `ZoneInfo` zone would compare by their wall clocks.
        found_at, now = found_at.astimezone(UTC), now.astimezone(UTC)
    return found_at <= now <= slot - LEAD


def sweep(
    moments: Sequence[datetime], busy: Iterable[datetime], gap: timedelta
) -> Iterator[datetime]:
    """The moments (sorted) that are at least `gap` from every busy time. Sorts at call."""
    times = _sorted_aware(busy)
    return _sweep(moments, times, gap)


def _sweep(
    moments: Sequence[datetime], times: list[datetime], gap: timedelta
) -> Iterator[datetime]:
    cursor, count = 0, len(times)
    for moment in moments:
        # Skip what ends a whole gap before the moment: a binary search from the cursor.
        cursor = bisect_right(times, moment - gap, cursor)
        if cursor == count or times[cursor] >= moment + gap:
            yield moment


def common_slot(streams: Sequence[Iterator[datetime]]) -> datetime | None:
    """The earliest moment that every stream (each sorted, free slots) yields, or None.
    Each stream is advanced only up to the latest head seen: a merge, not a product."""
    heads: list[datetime] = []
    for stream in streams:
        head = next(stream, None)
        if head is None:
            return None
        heads.append(head)
    while True:
        target = max(heads)
        for i, stream in enumerate(streams):
            while heads[i] < target:
                head = next(stream, None)
                if head is None:
                    return None
                heads[i] = head
        if all(head == target for head in heads):
            return target


def _sorted_aware(busy: Iterable[datetime]) -> list[datetime]:
    try:
        times = sorted(busy)
    except TypeError:  # naive and aware datetimes mixed
        raise ValueError("datetimes must carry a time zone") from None
    if times and (times[0].tzinfo is None or times[-1].tzinfo is None):
        raise ValueError("datetimes must carry a time zone")
    return times


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("datetimes must carry a time zone")
