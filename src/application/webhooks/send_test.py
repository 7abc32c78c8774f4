from uuid import UUID

from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.webhooks.results import QueuedEvent
from domain.webhooks.errors import WebhookEndpointDisabled
from domain.webhooks.events import EventDraft, EventType


class SendTestWebhook:
    """Queues a `webhook.test` event (`data: {}`) for this endpoint alone, whatever it
    subscribes to; the worker delivers it like any other. A disabled endpoint would
    never receive it, so that is refused."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    async def execute(self, workspace_id: UUID, endpoint_id: UUID) -> QueuedEvent:
        now = self.clock.now()
        async with self.uow:
            endpoint = await self.uow.webhook_endpoints.get(workspace_id, endpoint_id)
            if endpoint is None:
                raise NotFound(str(endpoint_id))
            if not endpoint.enabled:
                raise WebhookEndpointDisabled(str(endpoint_id))
            draft = EventDraft(workspace_id, EventType.WEBHOOK_TEST, {}, now, endpoint.id)
            [event_id] = await self.uow.outbox.record(draft)
            await self.uow.commit()
        return QueuedEvent(event_id)
