from abc import abstractmethod
from typing import Protocol
from uuid import UUID

from domain.webhooks.endpoint import WebhookEndpoint


class WebhookEndpointRepository(Protocol):
    """Endpoints, read within one workspace unless said otherwise. Secrets are stored
    encrypted (TokenCipher) and decrypted on read."""

    @abstractmethod
    async def add(self, endpoint: WebhookEndpoint) -> None: ...

    @abstractmethod
    async def save(self, endpoint: WebhookEndpoint) -> None: ...

    @abstractmethod
    async def get(
        self, workspace_id: UUID, endpoint_id: UUID, *, for_update: bool = False
    ) -> WebhookEndpoint | None: ...

    @abstractmethod
    async def get_any(
        self, endpoint_id: UUID, *, for_update: bool = False
    ) -> WebhookEndpoint | None:
        """Unscoped, for the delivery worker, which acts for every workspace."""

    @abstractmethod
    async def list(
        self, workspace_id: UUID, limit: int, starting_after: WebhookEndpoint | None = None
    ) -> list[WebhookEndpoint]:
        """Newest first (`created_at`, then `id`, descending), after the cursor."""

    @abstractmethod
    async def delete(self, endpoint: WebhookEndpoint) -> None:
        """Removes the endpoint and its deliveries (the events stay)."""
