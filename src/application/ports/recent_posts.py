"""Looking up a post the platform may have created although it answered with a failure."""

from __future__ import annotations

from abc import abstractmethod
from typing import Protocol, runtime_checkable

from application.ports.credentials import Credentials
from application.ports.platforms import PublishedPost


@runtime_checkable
class RecentPostFinder(Protocol):
    """A platform whose failed answer may hide a created post (X: a 5xx, then "duplicate
    content" on the retry) offers this to find it among the account's recent posts."""

    @abstractmethod
    async def find_recent(
        self, credentials: Credentials, text: str, in_reply_to: str | None = None
    ) -> PublishedPost | None:
        """The account's recent post with exactly this text and reply parent, if any."""
