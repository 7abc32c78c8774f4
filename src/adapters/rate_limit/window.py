"""Fixed windows, staggered per caller so every key's window does not end at once."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

from application.ports.rate_limiter import RateDecision


@dataclass(frozen=True, slots=True)
class Window:
    index: int
    end: float
    reset_s: int


def window_for(key: str, period_s: int, now: float) -> Window:
    """The window holding `now` for this key. The offset is a stable hash of the key (the
    same in every process), so processes sharing a store agree on the window."""
    offset = zlib.crc32(key.encode()) % period_s
    index = math.floor((now - offset) / period_s)
    end = (index + 1) * period_s + offset
    return Window(index=index, end=end, reset_s=max(1, math.ceil(end - now)))


def decide(limit: int, count: int, window: Window) -> RateDecision:
    return RateDecision(
        allowed=count <= limit,
        limit=limit,
        remaining=max(0, limit - count),
        reset_s=window.reset_s,
    )
