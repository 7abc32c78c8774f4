from abc import abstractmethod
from typing import Protocol
from uuid import UUID


class IntegrationRevisions(Protocol):
    """How far a workspace's integrations have come: a number that is different once any
    integration of the workspace has been added, changed or removed (committed, by any
    process), and the same until then. It lets a reader keep what it derived from them
    (a rendered page of the list) for exactly as long as it is current.

    Reading it is meant to be much cheaper than reading the integrations: one indexed row,
    no transaction."""

    @abstractmethod
    async def of_workspace(self, workspace_id: UUID) -> int: ...


class SlotRevisions(Protocol):
    """How far what an integration's next slot depends on has come: a number that is
    different once anything it depends on has been written (committed, by any process):
    the integration itself, its queue, or a target of it becoming busy, moving or no
    longer busy; the same until then. It lets a reader keep the slot inputs it read (the
    integration, its queue, its busy times) for exactly as long as they are current.

    Reading it is meant to be much cheaper than reading those inputs: a few indexed rows,
    no transaction. An integration never written has 0."""

    @abstractmethod
    async def of_integration(self, integration_id: UUID) -> int: ...


class PostRevisions(Protocol):
    """How far a workspace's posts have come: a number that is different once any post or
    post target of the workspace has been added, changed or removed (committed, by any
    process: the API, the publisher, the CLI), and the same until then. It lets a reader
    keep a rendered page of the posts listing for exactly as long as it is current.

    Reading it is meant to be much cheaper than reading a page of posts: a few indexed
    rows, no transaction."""

    @abstractmethod
    async def of_workspace(self, workspace_id: UUID) -> int: ...
