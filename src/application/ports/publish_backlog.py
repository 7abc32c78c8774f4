from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Backlog:
    """Targets due and not yet claimed by any worker, and the earliest due time among them
    (None when there are none)."""

    due: int
    oldest_due_at: datetime | None


class PublishBacklog(Protocol):
    """How far the publishers are behind: read for the operators' metrics."""

    @abstractmethod
    async def due_unclaimed(self, now: datetime) -> Backlog:
        """Pending targets whose `next_attempt_at <= now`: one indexed range read."""
