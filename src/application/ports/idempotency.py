from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A key's first request: its fingerprint, and its response once it has one."""

    fingerprint: str
    created_at: datetime
    response: StoredResponse | None

    @property
    def in_flight(self) -> bool:
        return self.response is None


class IdempotencyStore(Protocol):
    """Idempotency keys per workspace. Each call is meant for its own short unit of work."""

    @abstractmethod
    async def take(
        self,
        workspace_id: UUID,
        key: str,
        fingerprint: str,
        now: datetime,
        replace_before: datetime,
        abandoned_before: datetime,
    ) -> IdempotencyRecord | None:
        """Records the key as in flight for a new request and returns None, unless a live
        record exists: then it is returned untouched. A record created before
        `replace_before`, or still in flight since before `abandoned_before`, is not live
        and is replaced. Of two concurrent takes, exactly one gets None."""

    @abstractmethod
    async def complete(self, workspace_id: UUID, key: str, response: StoredResponse) -> None: ...

    @abstractmethod
    async def release(self, workspace_id: UUID, key: str) -> None:
        """Forgets the key, so the request may be tried again with it."""

    @abstractmethod
    async def purge(self, created_before: datetime) -> int: ...
