"""(c) The slot function alone (`domain.slots.find_next_slot`) from 10 to 1,000,000 busy
times (quick: 100,000): time per call, per busy time, and how it grows per 10x (10 is
linear; a sort is n log n). From 1,000 up every candidate of the week is taken, so the
sweep visits them all."""

from __future__ import annotations

import random
import timeit
from datetime import UTC, datetime, timedelta

from bench.support import Context, Goal, Section, table
from domain.slots import find_next_slot

NAME = "slots"
TITLE = "The slot function alone"
NOW = datetime(2026, 4, 17, 10, 30, 15, tzinfo=UTC)
WINDOW_S = 7 * 86_400


def busy_times(count: int, rng: random.Random) -> list[datetime]:
    """Aware datetimes spread over the window and one hour either side, in random order
    (as a database returns them without ORDER BY)."""
    return [
        NOW + timedelta(seconds=rng.randrange(-3_600, WINDOW_S + 3_600)) for _ in range(count)
    ]


def per_call_s(busy: list[datetime], quick: bool) -> float:
    timer = timeit.Timer(lambda: find_next_slot(NOW, busy))
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=2 if quick else 5, number=number)) / number


async def run(ctx: Context) -> Section:
    sizes = [10, 100, 1_000, 10_000, 100_000]
    if not ctx.quick:
        sizes.append(1_000_000)
    rng = random.Random(7)
    rows, timings = [], {}
    for size in sizes:
        ctx.log(f"slots with {size:,} busy times")
        busy = busy_times(size, rng)
        seconds = per_call_s(busy, ctx.quick)
        timings[size] = seconds
        growth = seconds / timings[size // 10] if size // 10 in timings else None
        answer = find_next_slot(NOW, busy)
        rows.append(
            [
                f"{size:,}",
                f"{seconds * 1e3:.3f}",
                f"{seconds / size * 1e9:.0f}",
                f"{growth:.1f}" if growth else "-",
                answer.strftime("%Y-%m-%dT%H:%MZ") if answer else "none free",
            ]
        )
    goals = [
        Goal(
            "slot function, 1,000 busy times",
            "well under 1 ms",
            f"{timings[1_000] * 1e3:.3f} ms",
            timings[1_000] < 0.5e-3,
        )
    ]
    # Near-linear: the cost per busy time stays within a small factor from 1,000 up (a sort
    # is n log n, and past the CPU caches each comparison also waits for memory).
    per_item = [timings[n] / n for n in timings if n >= 1_000]
    spread = max(per_item) / min(per_item)
    goals.append(
        Goal(
            f"slot function, cost per busy time from 1,000 to {max(timings):,}",
            "near-linear (within 3x)",
            f"{spread:.1f}x",
            spread <= 3,
        )
    )
    body = table(["busy times", "ms per call", "ns per busy time", "growth per 10x", "answer"], rows)
    return Section(TITLE, body, goals)
