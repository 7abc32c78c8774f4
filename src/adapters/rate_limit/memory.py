"""Per-process counters: the default, exact for one process."""

from __future__ import annotations

import math
from collections.abc import Callable

from adapters.rate_limit.window import decide, window_for
from application.ports.rate_limiter import RateDecision, RateLimiter

MAX_KEYS = 100_000


class MemoryRateLimiter(RateLimiter):
    """Counts in a dict; no lock is needed as `hit` never awaits between read and write."""

    def __init__(
        self, limit: int, period_s: int, now: Callable[[], float], max_keys: int = MAX_KEYS
    ) -> None:
        self.limit = limit
        self.period_s = period_s
        self.now = now
        self.max_keys = max_keys
        self._counts: dict[str, tuple[float, int]] = {}  # key -> (window end, count)

    async def hit(self, key: str) -> RateDecision:
        now = self.now()
        entry = self._counts.get(key)
        if entry is not None and now < entry[0]:  # still in the window counted last time
            count = entry[1] + 1
            self._counts[key] = (entry[0], count)
            reset_s = max(1, math.ceil(entry[0] - now))
            return RateDecision(count <= self.limit, self.limit, max(0, self.limit - count), reset_s)
        window = window_for(key, self.period_s, now)
        count = entry[1] + 1 if entry is not None and entry[0] == window.end else 1
        if entry is None and len(self._counts) >= self.max_keys:
            self._prune(now)
        self._counts[key] = (window.end, count)
        return decide(self.limit, count, window)

    async def close(self) -> None:
        self._counts.clear()

    def _prune(self, now: float) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
        if len(self._counts) >= self.max_keys:
            self._counts.clear()  # a flood of keys: forget rather than grow without bound
