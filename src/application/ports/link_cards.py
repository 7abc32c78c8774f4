"""Where a Bluesky link card's title, description and picture come from."""

from __future__ import annotations

from abc import abstractmethod
from typing import Protocol

from application.ports.threads import LinkCard


class LinkCardSource(Protocol):
    @abstractmethod
    async def card_for(self, url: str) -> LinkCard | None:
        """The page's card, or None when it cannot be read: a card is never a failure."""
