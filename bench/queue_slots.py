"""(d) The queue slot function alone (`domain.queue_slots.free_slots`, the next free slot)
for a queue of 35 slots a week (five times a day in America/New_York) and 10 to
1,000,000 busy times (quick: 100,000). Busy times come earliest first, as the busy-time
port gives them, and also shuffled, to show what the order is worth. Every candidate is
taken from 1,000 busy times up, so the sweep visits them all."""

from __future__ import annotations

import random
import timeit
from datetime import UTC, datetime, timedelta

from bench.support import Context, Goal, Section, table
from domain.queue import DAYS, Queue
from domain.queue_slots import free_slots

NAME = "queue_slots"
TITLE = "The queue slot function alone"
NOW = datetime(2026, 4, 17, 10, 30, 15, tzinfo=UTC)
WINDOW_S = 7 * 86_400
QUEUE = Queue.parse("America/New_York", [(DAYS, ["08:00", "10:00", "12:30", "15:00", "18:00"])])


def busy_times(count: int, rng: random.Random) -> list[datetime]:
    """Aware UTC datetimes over the window and one hour either side, made earliest first,
    as the adapter makes them from rows read in index order (so they also lie in memory
    in that order)."""
    seconds = sorted(rng.randrange(-3_600, WINDOW_S + 3_600) for _ in range(count))
    return [NOW + timedelta(seconds=s) for s in seconds]


def per_call_s(busy: list[datetime], quick: bool) -> float:
    timer = timeit.Timer(lambda: next(free_slots(NOW, QUEUE, busy), None))
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=2 if quick else 5, number=number)) / number


async def run(ctx: Context) -> Section:
    sizes = [10, 100, 1_000, 10_000, 100_000]
    if not ctx.quick:
        sizes.append(1_000_000)
    rng = random.Random(7)
    rows, ordered, shuffled = [], {}, {}
    for size in sizes:
        ctx.log(f"queue slots with {size:,} busy times")
        ascending = busy_times(size, rng)
        busy = random.Random(size).sample(ascending, size)
        ordered[size] = per_call_s(ascending, ctx.quick)
        shuffled[size] = per_call_s(busy, ctx.quick)
        growth = ordered[size] / ordered[size // 10] if size // 10 in ordered else None
        answer = next(free_slots(NOW, QUEUE, ascending), None)
        rows.append(
            [
                f"{size:,}",
                f"{ordered[size] * 1e3:.3f}",
                f"{ordered[size] / size * 1e9:.0f}",
                f"{growth:.1f}" if growth else "-",
                f"{shuffled[size] * 1e3:.3f}",
                answer.strftime("%Y-%m-%dT%H:%MZ") if answer else "none free",
            ]
        )
    goals = [
        Goal(
            "queue slot function, 35 slots/week, 100,000 busy times",
            "< 5 ms",
            f"{ordered[100_000] * 1e3:.3f} ms",
            ordered[100_000] < 5e-3,
        )
    ]
    # From 10,000 up: below that the candidates' own cost (tens of microseconds) dominates.
    per_item = [ordered[n] / n for n in ordered if n >= 10_000]
    spread = max(per_item) / min(per_item)
    goals.append(
        Goal(
            f"queue slot function, cost per busy time from 10,000 to {max(ordered):,}",
            "near-linear (within 3x)",
            f"{spread:.1f}x",
            spread <= 3,
        )
    )
    body = table(
        [
            "busy times",
            "ms per call (in order)",
            "ns per busy time",
            "growth per 10x",
            "ms per call (shuffled)",
            "answer",
        ],
        rows,
    )
    return Section(TITLE, body, goals)
