from abc import abstractmethod
from typing import Protocol

from domain.webhooks.events import EventDraft


class Outbox(Protocol):
    """The transactional outbox: events written in the same transaction as the change they
    report, so a committed change always has its event and a rolled-back one never does.
    The delivery worker sends them later; no use case calls a receiver itself."""

    @abstractmethod
    async def record(self, *drafts: EventDraft) -> list[str]:
        """Gives each event an id and writes it with one pending delivery per endpoint of
        its workspace that is enabled and subscribed to its type now (or, for a draft
        naming an endpoint, to that endpoint only). Nothing is visible until the unit of
        work commits. Returns the new events' ids."""
