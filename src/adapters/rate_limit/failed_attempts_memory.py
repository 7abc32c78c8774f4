"""Failures kept per process: the default, exact for one process."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

from application.ports.failed_attempts import FailedAttempts

MAX_KEYS = 100_000
# No rule counts more than this many failures of one key; older ones are dropped.
MAX_FAILURES_PER_KEY = 100


class MemoryFailedAttempts(FailedAttempts):
    """The times of each key's recent failures, oldest first. Bounded: a flood of keys is
    pruned of expired ones, and forgotten wholesale if that is not enough."""

    def __init__(self, now: Callable[[], float], max_keys: int = MAX_KEYS) -> None:
        self.now = now
        self.max_keys = max_keys
        self._failures: dict[str, deque[tuple[float, float]]] = {}  # key -> (at, expires)

    async def retry_after(self, key: str, limit: int, window_s: int) -> int | None:
        now = self.now()
        times = [at for at, _ in self._failures.get(key, ()) if at > now - window_s]
        if len(times) < limit:
            return None
        oldest_counted = times[len(times) - limit]
        return max(1, math.ceil(oldest_counted + window_s - now))

    async def record(self, key: str, window_s: int) -> None:
        now = self.now()
        failures = self._failures.get(key)
        if failures is None:
            if len(self._failures) >= self.max_keys:
                self._prune(now)
            failures = self._failures[key] = deque(maxlen=MAX_FAILURES_PER_KEY)
        while failures and failures[0][1] <= now:
            failures.popleft()
        failures.append((now, now + window_s))

    async def forget(self, key: str) -> None:
        self._failures.pop(key, None)

    async def close(self) -> None:
        self._failures.clear()

    def _prune(self, now: float) -> None:
        self._failures = {k: v for k, v in self._failures.items() if v and v[-1][1] > now}
        if len(self._failures) >= self.max_keys:
            self._failures.clear()
