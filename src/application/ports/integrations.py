from abc import abstractmethod
from collections.abc import Collection
from typing import Protocol
from uuid import UUID

from domain.integration import Integration, IntegrationStatus
from domain.platform import Platform


class IntegrationRepository(Protocol):
    """Integrations, always read within one workspace unless said otherwise."""

    @abstractmethod
    async def add(self, integration: Integration) -> None:
        """Raises `DuplicateIntegration` when the account is already in the workspace."""

    @abstractmethod
    async def save(self, integration: Integration) -> None: ...

    @abstractmethod
    async def get(self, workspace_id: UUID, integration_id: UUID) -> Integration | None: ...

    @abstractmethod
    async def get_any(self, integration_id: UUID) -> Integration | None:
        """Unscoped read, for the publisher and token keeping, which act for every workspace."""

    @abstractmethod
    async def get_many(self, integration_ids: Collection[UUID]) -> dict[UUID, Integration]:
        """Unscoped, like `get_any`: those of `integration_ids` that exist, by id, in one
        read (a publisher's claim reads the integrations of all it took at once)."""

    @abstractmethod
    async def get_held(
        self, workspace_id: UUID, integration_ids: Collection[UUID]
    ) -> dict[UUID, Integration]:
        """Those of `integration_ids` in the workspace, by id, held as `BusyTimeReader.hold`
        holds them (until the unit of work ends) and read in the same statement."""

    @abstractmethod
    async def find_by_account(
        self, workspace_id: UUID, platform: Platform, platform_user_id: str
    ) -> Integration | None: ...

    @abstractmethod
    async def list(
        self,
        workspace_id: UUID,
        statuses: Collection[IntegrationStatus],
        limit: int,
        starting_after: Integration | None = None,
    ) -> list[Integration]:
        """Newest `connected_at` first, ties by id descending; at most `limit` rows after the
        cursor in that order."""
