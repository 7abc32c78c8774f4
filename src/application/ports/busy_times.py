from abc import abstractmethod
from collections.abc import Collection
from datetime import datetime
from typing import Protocol
from uuid import UUID


class BusyTimeReader(Protocol):
    @abstractmethod
    async def busy_times(
        self,
        integration_id: UUID,
        start: datetime,
        end: datetime,
        *,
        excluding_post: UUID | None = None,
    ) -> list[datetime]:
        """`scheduled_at` of the integration's pending or publishing targets within
        [start, end], earliest first: the times that block a slot. (In order, the slot
        functions' sort of them costs one linear pass.) `excluding_post`'s own targets are
        left out (a post being moved does not block itself)."""

    @abstractmethod
    async def hold(self, integration_ids: Collection[UUID]) -> None:
        """Serializes slot reservations on these integrations until the unit of work ends:
        a second unit of work holding any of them waits, then sees the first one's
        targets. Call it before reading busy times (PostgreSQL: `FOR UPDATE` on the
        integration rows, in id order)."""
