"""When a failed delivery is tried again (WEBHOOK_RETRY_SCHEDULE, Standard Webhooks'
default schedule): after the n-th failed attempt, wait the n-th delay, stretched or
shrunk by up to 20% at random so that many failed deliveries do not retry in step. Once
the schedule is used up, the delivery fails for good."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

DEFAULT_SCHEDULE_S = (5, 300, 1800, 7200, 18000, 36000, 36000)
JITTER_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    delays_s: tuple[float, ...] = DEFAULT_SCHEDULE_S

    @classmethod
    def of(cls, delays_s: Sequence[float]) -> RetrySchedule:
        if any(d < 0 for d in delays_s):
            raise ValueError("retry delays cannot be negative")
        return cls(tuple(delays_s))

    @property
    def max_attempts(self) -> int:
        return len(self.delays_s) + 1

    def delay_after(self, attempts: int, random: float) -> timedelta | None:
        """The wait after `attempts` failed attempts, or None when none is left.
        `random` in [0, 1) picks the jitter: 0 is -20%, 0.5 exact, towards 1 +20%."""
        if attempts < 1 or attempts > len(self.delays_s):
            return None
        factor = 1 + JITTER_SHARE * (2 * min(max(random, 0.0), 1.0) - 1)
        return timedelta(seconds=self.delays_s[attempts - 1] * factor)
