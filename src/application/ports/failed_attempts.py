from abc import abstractmethod
from typing import Protocol


class FailedAttempts(Protocol):
    """Failures counted per key over a sliding window (times from the clock port); shared
    by every process when the store is shared."""

    @abstractmethod
    async def retry_after(self, key: str, limit: int, window_s: int) -> int | None:
        """Whole seconds (at least 1) until `key` has fewer than `limit` failures in the
        last `window_s` seconds; None when it has fewer already."""

    @abstractmethod
    async def record(self, key: str, window_s: int) -> None:
        """One more failure for `key`, remembered for `window_s` seconds."""

    @abstractmethod
    async def forget(self, key: str) -> None:
        """Every failure of `key` (a success wipes the slate)."""

    @abstractmethod
    async def close(self) -> None: ...
