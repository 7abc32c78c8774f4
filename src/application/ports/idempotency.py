from abc import abstractmethod
from collections.abc import Sequence
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
    """A key's first request: its fingerprint, its response once it has one, and the
    resource it created (written in the same transaction as the resource itself)."""

    fingerprint: str
    created_at: datetime
    response: StoredResponse | None
    resource_id: UUID | None = None

    @property
    def in_flight(self) -> bool:
        return self.response is None

    def is_stale(self, replace_before: datetime, abandoned_before: datetime) -> bool:
        """Older than the keeping period, or in flight since before `abandoned_before`
        without having created anything (its process died before it did)."""
        return self.created_at < replace_before or (
            self.in_flight and self.resource_id is None and self.created_at < abandoned_before
        )


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
        record exists: then it is returned untouched. A stale record (`is_stale`) is
        replaced. Of two concurrent takes, exactly one gets None."""

    @abstractmethod
    async def take_new(self, wanted: Sequence[tuple[UUID, str, str, datetime]]) -> list[bool]:
        """For each (workspace, key, fingerprint, now): records the key as in flight for a
        new request where the workspace has no record of it at all, in as few statements as
        the store allows; True for each recorded. Of one key asked twice, only the first
        can be. A key found (live or stale) is left to `take`."""

    @abstractmethod
    async def attach(self, workspace_id: UUID, key: str, resource_id: UUID) -> UUID | None:
        """Notes that the key's request created `resource_id`; called in the unit of work
        that creates it, so the note and the resource commit or vanish together. Returns
        the resource the key had already created when it names another (the key was
        taken over while its first request still ran), else None."""

    @abstractmethod
    async def complete(self, workspace_id: UUID, key: str, response: StoredResponse) -> None: ...

    @abstractmethod
    async def complete_many(self, completed: Sequence[tuple[UUID, str, StoredResponse]]) -> None:
        """`complete` for each (workspace, key, response), in as few statements as the store
        allows."""

    @abstractmethod
    async def release(self, workspace_id: UUID, key: str) -> None:
        """Forgets the key, so the request may be tried again with it."""

    @abstractmethod
    async def purge(self, created_before: datetime) -> int: ...
