from abc import abstractmethod
from types import TracebackType
from typing import Protocol, Self

from application.ports.api_keys import ApiKeyRepository
from application.ports.busy_times import BusyTimeReader
from application.ports.credentials import CredentialRepository
from application.ports.idempotency import IdempotencyStore
from application.ports.integrations import IntegrationRepository
from application.ports.media import MediaRepository
from application.ports.oauth_states import OAuthStateRepository
from application.ports.outbox import Outbox
from application.ports.posts import PostRepository
from application.ports.publish_queue import PublishQueue
from application.ports.queues import QueueRepository
from application.ports.webhook_deliveries import DeliveryQueue, DeliveryRepository
from application.ports.webhook_endpoints import WebhookEndpointRepository
from application.ports.workspaces import WorkspaceRepository


class UnitOfWork(Protocol):
    """One transaction over every repository: all of a use case's writes land, or none.

    Leaving the `async with` block without `commit()` rolls back.
    """

    workspaces: WorkspaceRepository
    api_keys: ApiKeyRepository
    integrations: IntegrationRepository
    oauth_states: OAuthStateRepository
    credentials: CredentialRepository
    busy_times: BusyTimeReader
    posts: PostRepository
    publish_queue: PublishQueue
    idempotency: IdempotencyStore
    queues: QueueRepository
    media: MediaRepository
    outbox: Outbox
    webhook_endpoints: WebhookEndpointRepository
    webhook_deliveries: DeliveryRepository
    delivery_queue: DeliveryQueue

    @abstractmethod
    async def __aenter__(self) -> Self: ...

    @abstractmethod
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    @abstractmethod
    async def commit(self) -> None: ...

    @abstractmethod
    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work, for callers that live longer than one request."""

    @abstractmethod
    def __call__(self) -> UnitOfWork: ...


class ReadOnlyUnitOfWork(UnitOfWork, Protocol):
    """The unit of work of a use case that only reads.

    It holds no transaction: each read sees what was committed when it ran (as every
    statement does anyway under PostgreSQL's READ COMMITTED), so a read costs one round
    trip and never waits for a writer. It cannot commit."""


class ReadOnlyUnitOfWorkFactory(Protocol):
    """Makes a fresh read-only unit of work, for callers that live longer than one request."""

    @abstractmethod
    def __call__(self) -> ReadOnlyUnitOfWork: ...
