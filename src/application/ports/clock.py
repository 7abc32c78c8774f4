from abc import abstractmethod
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """The one source of "now": tests substitute a clock they can move."""

    @abstractmethod
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
