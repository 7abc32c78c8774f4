"""The next-free-slot rule, as a pure function.

Candidates are the tops of the hour (UTC) from the first one at least `lead` after `now`
up to `now + horizon` inclusive. A candidate `t` is free when every busy time `p` has
`|p - t| >= gap`. The answer is the earliest free candidate, or None.

Busy times are sorted once and swept with one cursor: a blocked candidate jumps straight
to the first top of the hour that clears the busy time blocking it, so the cost is
O(n log n) for the sort plus O(n + candidates) for the sweep, never a rescan per candidate.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

HOUR = 3600
DEFAULT_GAP = timedelta(hours=1)
DEFAULT_HORIZON = timedelta(days=7)
DEFAULT_LEAD = timedelta(minutes=1)


def _ceil_to_hour(seconds: int) -> int:
    return -(-seconds // HOUR) * HOUR


def _epoch(moment: datetime) -> int:
    """Whole seconds since the epoch, rounded up so `lead` is never shortened."""
    if moment.tzinfo is None:
        raise ValueError("datetimes must carry a time zone")
    exact = moment.timestamp()
    whole = int(exact)
    return whole + 1 if exact > whole else whole


def find_next_slot(
    now: datetime,
    busy: Iterable[datetime],
    *,
    gap: timedelta = DEFAULT_GAP,
    horizon: timedelta = DEFAULT_HORIZON,
    lead: timedelta = DEFAULT_LEAD,
) -> datetime | None:
    """The earliest top of the hour in [now + lead, now + horizon] at least `gap` from every
    busy time, or None when every candidate is taken."""
    gap_s = int(gap.total_seconds())
    first = _ceil_to_hour(_epoch(now + lead))
    last = int((now + horizon).timestamp())
    if first > last:
        return None
    low, high = first - gap_s, last + gap_s
    times = sorted(t for t in (_busy_epoch(p) for p in busy) if low < t < high)
    return _sweep(first, last, times, gap_s)


def _busy_epoch(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError("datetimes must carry a time zone")
    return moment.timestamp()


def _sweep(first: int, last: int, times: list[float], gap_s: int) -> datetime | None:
    candidate, cursor, count = first, 0, len(times)
    while candidate <= last:
        while cursor < count and times[cursor] <= candidate - gap_s:
            cursor += 1
        if cursor == count or times[cursor] >= candidate + gap_s:
            return datetime.fromtimestamp(candidate, tz=UTC)
        candidate = max(candidate + HOUR, _ceil_to_hour(_ceil_float(times[cursor] + gap_s)))
    return None


def _ceil_float(value: float) -> int:
    whole = int(value)
    return whole + 1 if value > whole else whole
