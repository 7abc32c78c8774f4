from collections.abc import Sequence
from uuid import UUID

from application.ports.clock import Clock
from application.ports.ids import IdGenerator
from application.ports.unit_of_work import UnitOfWork
from application.webhooks.policy import DeliveryPolicy
from application.webhooks.results import EndpointWithSecret
from domain.webhooks.endpoint import WebhookEndpoint
from domain.webhooks.signing import new_secret


class CreateWebhookEndpoint:
    """A new endpoint with a fresh `whsec_` secret, returned this once and stored
    encrypted. It receives the events created from now on."""

    def __init__(
        self, uow: UnitOfWork, clock: Clock, ids: IdGenerator, policy: DeliveryPolicy
    ) -> None:
        self.uow, self.clock, self.ids, self.policy = uow, clock, ids, policy

    async def execute(
        self, workspace_id: UUID, url: str, events: Sequence[str], description: str | None
    ) -> EndpointWithSecret:
        secret = new_secret()
        endpoint = WebhookEndpoint.create(
            id=self.ids.new_id(),
            workspace_id=workspace_id,
            url=url,
            events=events,
            description=description,
            secret=secret,
            policy=self.policy.urls,
            now=self.clock.now(),
        )
        async with self.uow:
            await self.uow.webhook_endpoints.add(endpoint)
            await self.uow.commit()
        return EndpointWithSecret(endpoint, secret)
