from abc import abstractmethod
from types import TracebackType
from typing import Protocol, Self

from application.ports.api_keys import ApiKeyRepository
from application.ports.busy_times import BusyTimeReader
from application.ports.credentials import CredentialRepository
from application.ports.integrations import IntegrationRepository
from application.ports.oauth_states import OAuthStateRepository
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
