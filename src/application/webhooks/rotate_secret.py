from uuid import UUID

from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.webhooks.results import EndpointWithSecret
from domain.webhooks.signing import new_secret


class RotateWebhookSecret:
    """A new secret, shown this once; the old one keeps signing beside it for 24 h, so
    receivers can switch without missing a delivery."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    async def execute(self, workspace_id: UUID, endpoint_id: UUID) -> EndpointWithSecret:
        now, secret = self.clock.now(), new_secret()
        async with self.uow:
            endpoint = await self.uow.webhook_endpoints.get(
                workspace_id, endpoint_id, for_update=True
            )
            if endpoint is None:
                raise NotFound(str(endpoint_id))
            endpoint.rotate_secret(secret, now)
            await self.uow.webhook_endpoints.save(endpoint)
            await self.uow.commit()
        return EndpointWithSecret(endpoint, secret)
