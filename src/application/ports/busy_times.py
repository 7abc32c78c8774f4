from abc import abstractmethod
from datetime import datetime
from typing import Protocol
from uuid import UUID


class BusyTimeReader(Protocol):
    @abstractmethod
    async def busy_times(
        self, integration_id: UUID, start: datetime, end: datetime
    ) -> list[datetime]:
        """`scheduled_at` of the integration's pending or publishing targets within
        [start, end]: the times that block a slot."""
