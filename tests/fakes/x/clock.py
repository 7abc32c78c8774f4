"""The fake's sense of time, owned by the test rather than the wall clock."""

from __future__ import annotations

import threading
import time


class FakeClock:
    """A clock that only moves when told to.

    X's rules are all about time (codes live 30 s, access tokens 7200 s, rate
    windows 15 min). Tests must exercise them without sleeping, so every rule in
    the fake reads `now()` from here and tests call `advance()`.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        """Current fake time, in epoch seconds."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward (never backward) and return the new now."""
        if seconds < 0:
            raise ValueError("the fake clock never goes back")
        with self._lock:
            self._now += seconds
            return self._now
