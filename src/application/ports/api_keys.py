from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.workspace import ApiKey, WorkspaceMode


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's workspace, found from the key's hash in one lookup."""

    key_id: UUID
    workspace_id: UUID
    workspace_mode: WorkspaceMode


class ApiKeyRepository(Protocol):
    @abstractmethod
    async def add(self, key: ApiKey) -> None: ...

    @abstractmethod
    async def get(self, key_id: UUID) -> ApiKey | None: ...

    @abstractmethod
    async def find_by_hash(self, key_hash: str) -> ApiKey | None: ...

    @abstractmethod
    async def principal_for(self, key_hash: str) -> Principal | None:
        """The principal of an unrevoked key with this hash, or None."""

    @abstractmethod
    async def list_for_workspace(self, workspace_id: UUID) -> list[ApiKey]: ...

    @abstractmethod
    async def revoke(self, key_id: UUID, now: datetime) -> None:
        """Marks the key revoked; a key already revoked keeps its first revocation time."""


class PrincipalLookup(Protocol):
    """Finds the principal of a key's hash: the one read that authenticating a request
    needs. A decorator may answer some lookups from memory (see `known`)."""

    @abstractmethod
    async def principal_for(self, key_hash: str) -> Principal | None:
        """The principal of an unrevoked key with this hash, or None."""

    def known(self, key_hash: str) -> Principal | None:
        """The principal this process already holds for the hash, without any read; None
        when it holds nothing (always, for a lookup that keeps nothing)."""
        return None
