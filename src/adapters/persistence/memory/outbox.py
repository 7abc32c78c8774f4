"""The in-memory outbox: events and their deliveries in `MemoryStore`, rolled back with
the rest of the unit of work."""

from __future__ import annotations

from adapters.ids import Uuid7Generator
from adapters.persistence.memory.store import MemoryStore
from application.ports.ids import IdGenerator
from application.ports.outbox import Outbox
from domain.webhooks.delivery import Delivery
from domain.webhooks.events import EventDraft, WebhookEvent, new_event_id


class MemoryOutbox(Outbox):
    def __init__(self, store: MemoryStore, ids: IdGenerator | None = None) -> None:
        self.store = store
        self.ids = ids or Uuid7Generator()

    async def record(self, *drafts: EventDraft) -> list[str]:
        ids = []
        for draft in drafts:
            event = WebhookEvent.from_draft(new_event_id(self.ids.new_id()), draft)
            ids.append(event.id)
            self.store.webhook_events[event.id] = event
            for endpoint in self.store.webhook_endpoints.values():
                if endpoint.workspace_id != draft.workspace_id:
                    continue
                if draft.endpoint_id is not None:
                    if endpoint.id != draft.endpoint_id:
                        continue
                elif not (endpoint.enabled and endpoint.subscribes_to(draft.type)):
                    continue
                delivery = Delivery.new(
                    id=self.ids.new_id(),
                    workspace_id=draft.workspace_id,
                    endpoint_id=endpoint.id,
                    event_id=event.id,
                    event_type=event.type,
                    now=draft.occurred_at,
                )
                self.store.webhook_deliveries[delivery.id] = delivery
        return ids
