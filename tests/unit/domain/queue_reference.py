"""Section 9's rule read literally, for the properties to compare against.

It walks every minute of the window (and a day before it) on the UTC clock, reads the
wall clock of the zone at each, and:
- a wall time seen for the first time that is a posting time on an unblocked date is a
  candidate (a wall time seen again, after a fall back, is not);
- when the wall clock jumps forward (spring forward), each posting time it skipped is a
  candidate as far after the jump as it lay after the first skipped minute, i.e. moved
  forward by the size of the gap.
It never asks `zoneinfo` how to resolve a wall time: only what the clock shows when.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.queue import Queue

MINUTE = timedelta(minutes=1)
LEAD = timedelta(minutes=1)


def _is_posting_time(queue: Queue, wall: datetime) -> bool:
    day: date = wall.date()
    return day not in queue.blocked_dates and wall.time() in queue.times_on(day.weekday())


def reference_candidates(now: datetime, queue: Queue) -> list[datetime]:
    zone = ZoneInfo(queue.timezone)
    now = now.astimezone(UTC)
    first, last = now + LEAD, now + queue.horizon
    moment = first.astimezone(UTC).replace(second=0, microsecond=0) - timedelta(days=1)
    seen: set[datetime] = set()
    found: set[datetime] = set()
    previous: datetime | None = None
    while moment <= last:
        wall = moment.astimezone(zone).replace(tzinfo=None, fold=0)
        if previous is not None and wall - previous > MINUTE:
            skipped = previous + MINUTE
            while skipped < wall:
                if _is_posting_time(queue, skipped):
                    found.add(moment + (skipped - (previous + MINUTE)))
                skipped += MINUTE
        if wall not in seen:
            seen.add(wall)
            if _is_posting_time(queue, wall):
                found.add(moment)
        previous = wall
        moment += MINUTE
    return sorted(m for m in found if first <= m <= last)


def reference_free(now: datetime, queue: Queue, busy: list[datetime]) -> list[datetime]:
    gap = queue.gap
    return [t for t in reference_candidates(now, queue) if all(abs(p - t) >= gap for p in busy)]
