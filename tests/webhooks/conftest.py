"""Deliveries end to end below the HTTP edge: the use cases over memory adapters, the one
guarded fetcher, and a real receiver process on loopback that verifies every signature
with the `standardwebhooks` library."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.clock import ManualClock
from adapters.fetch.fetcher import GuardedFetcher
from adapters.fetch.policy import AddressPolicy
from adapters.ids import Uuid7Generator
from adapters.persistence.memory import MemoryStore, MemoryUnitOfWork
from application.ports.unit_of_work import UnitOfWork
from application.webhooks.claim_deliveries import ClaimDeliveries
from application.webhooks.create_endpoint import CreateWebhookEndpoint
from application.webhooks.deliver_webhook import DeliverWebhook
from application.webhooks.policy import DeliveryPolicy
from domain.webhooks.delivery import Delivery
from domain.webhooks.endpoint import WebhookEndpoint
from domain.webhooks.events import EventDraft, EventType
from domain.webhooks.schedule import RetrySchedule
from domain.webhooks.urls import UrlPolicy
from domain.workspace import Workspace, WorkspaceMode
from tests.support.webhook_receiver_process import ReceiverProcess, receiver_process

POLICY = DeliveryPolicy(
    lease=timedelta(seconds=30),
    timeout_s=1.0,
    schedule=RetrySchedule.of([10, 20]),
    urls=UrlPolicy(allow_http=True),
)


@dataclass
class Deliveries:
    receiver: ReceiverProcess
    policy: DeliveryPolicy = POLICY
    allow_private: bool = True
    store: MemoryStore = field(default_factory=MemoryStore)
    # The receiver checks signatures against the real time: the clock starts now.
    clock: ManualClock = field(default_factory=lambda: ManualClock(datetime.now(UTC)))
    fetcher: GuardedFetcher | None = None
    workspace: Workspace | None = None

    def uow(self) -> UnitOfWork:
        return MemoryUnitOfWork(self.store)

    async def endpoint(self, path: str, events: tuple[str, ...] = ("*",)) -> WebhookEndpoint:
        if self.workspace is None:
            self.workspace = Workspace(Uuid7Generator().new_id(), "acme", WorkspaceMode.LIVE,
                                       self.clock.now())  # fmt: skip
            self.store.workspaces[self.workspace.id] = self.workspace
        create = CreateWebhookEndpoint(self.uow(), self.clock, Uuid7Generator(), self.policy)
        made = await create.execute(self.workspace.id, self.receiver.url(path), events, None)
        await self.receiver.verify_with(path, made.secret)
        return made.endpoint

    async def emit(self, kind: EventType = EventType.POST_FAILED, **data: Any) -> str:
        assert self.workspace is not None
        async with self.uow() as uow:
            draft = EventDraft(self.workspace.id, kind, data or {"post_id": "p1"}, self.clock.now())
            [event_id] = await uow.outbox.record(draft)
            await uow.commit()
        return event_id

    async def run(self) -> list[Delivery]:
        """One worker pass: claim what is due, deliver each."""
        if self.fetcher is None:
            self.fetcher = GuardedFetcher(AddressPolicy(allow_private=self.allow_private))
        claimed = await ClaimDeliveries(self.uow, self.clock, self.policy).execute(50)
        deliver = DeliverWebhook(self.uow, self.clock, self.fetcher, self.policy, lambda: 0.5)
        return [await deliver.execute(c) for c in claimed]

    def stored_endpoint(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        return self.store.webhook_endpoints[endpoint.id]

    async def close(self) -> None:
        if self.fetcher is not None:
            await self.fetcher.close()


@pytest.fixture(scope="session")
def receiver() -> Iterator[ReceiverProcess]:
    with receiver_process() as process:
        yield process


@pytest.fixture
async def deliveries(receiver: ReceiverProcess) -> AsyncIterator[Deliveries]:
    world = Deliveries(receiver)
    yield world
    await world.close()
