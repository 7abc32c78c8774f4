from abc import abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.platform import Platform


@dataclass(frozen=True, slots=True)
class OAuthState:
    """A pending authorization: single-use, bound to one workspace, short-lived."""

    state: str
    workspace_id: UUID
    platform: Platform
    code_verifier: str = field(repr=False)
    redirect_uri: str
    created_at: datetime
    expires_at: datetime

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at


class OAuthStateRepository(Protocol):
    @abstractmethod
    async def add(self, state: OAuthState) -> None: ...

    @abstractmethod
    async def get(self, state: str) -> OAuthState | None:
        """Reads a pending state without spending it (the simulated consent screen)."""

    @abstractmethod
    async def consume(self, state: str) -> OAuthState | None:
        """Removes and returns the state; a second call for the same value returns None."""

    @abstractmethod
    async def purge_expired(self, now: datetime) -> int: ...
