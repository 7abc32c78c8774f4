from abc import abstractmethod
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a platform gave us to act for an account. Never logged, never returned.

    `password` is Bluesky's app password (kept to log in again when a session is lost);
    `extra` holds platform specifics such as a Bluesky DID or PDS endpoint.
    """

    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()
    password: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return "Credentials(<redacted>)"

    def expires_within(self, now: datetime, margin_s: float) -> bool:
        return self.expires_at is not None and (self.expires_at - now).total_seconds() <= margin_s


@dataclass(frozen=True, slots=True)
class StoredCredentials:
    credentials: Credentials
    version: int


class CredentialRepository(Protocol):
    """Encrypted credentials per integration, versioned for compare-and-swap updates."""

    @abstractmethod
    async def get(self, integration_id: UUID) -> StoredCredentials | None: ...

    @abstractmethod
    async def get_many(self, integration_ids: Collection[UUID]) -> dict[UUID, StoredCredentials]:
        """The stored credentials of those of `integration_ids` that have some, in one read."""

    @abstractmethod
    async def get_for_update(self, integration_id: UUID) -> StoredCredentials | None:
        """Reads and locks the row against other writers until the unit of work ends, so
        one refresher at a time, in any process, spends a single-use refresh token."""

    @abstractmethod
    async def put(self, integration_id: UUID, credentials: Credentials) -> int:
        """Stores credentials unconditionally (a new connect); returns the new version."""

    @abstractmethod
    async def replace(
        self, integration_id: UUID, credentials: Credentials, expected_version: int
    ) -> bool:
        """Stores only if the stored version is still `expected_version`; False otherwise."""

    @abstractmethod
    async def erase(self, integration_id: UUID) -> None: ...
