from dataclasses import dataclass
from uuid import UUID

from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.webhooks.policy import DeliveryPolicy
from domain.webhooks.endpoint import WebhookEndpoint


@dataclass(frozen=True, slots=True)
class EndpointChanges:
    """A PATCH: None leaves a field as it is; `clear_description` sets it to null."""

    url: str | None = None
    events: tuple[str, ...] | None = None
    description: str | None = None
    clear_description: bool = False
    enabled: bool | None = None


class UpdateWebhookEndpoint:
    """Changes url, events, description or enabled; every field is checked before any
    is applied. Enabling a disabled endpoint clears its reason and failure count."""

    def __init__(self, uow: UnitOfWork, clock: Clock, policy: DeliveryPolicy) -> None:
        self.uow, self.clock, self.policy = uow, clock, policy

    async def execute(
        self, workspace_id: UUID, endpoint_id: UUID, changes: EndpointChanges
    ) -> WebhookEndpoint:
        now = self.clock.now()
        async with self.uow:
            endpoint = await self.uow.webhook_endpoints.get(
                workspace_id, endpoint_id, for_update=True
            )
            if endpoint is None:
                raise NotFound(str(endpoint_id))
            endpoint.change(
                now,
                self.policy.urls,
                url=changes.url,
                events=changes.events,
                description=changes.description,
                clear_description=changes.clear_description,
                enabled=changes.enabled,
            )
            await self.uow.webhook_endpoints.save(endpoint)
            await self.uow.commit()
        return endpoint
