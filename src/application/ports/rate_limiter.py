from abc import abstractmethod
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RateDecision:
    """One request counted against a caller's budget for the current window."""

    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # whole seconds until the window ends (at least 1)


class RateLimiter(Protocol):
    """Counts requests per caller in fixed windows; shared by every process when the store
    is shared. Refused requests count too, so hammering past the limit earns nothing."""

    @abstractmethod
    async def hit(self, key: str) -> RateDecision: ...

    @abstractmethod
    async def close(self) -> None: ...
