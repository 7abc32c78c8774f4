"""Providers for webhooks: the endpoint use cases of /v1/webhook_endpoints, and the
process-wide pieces the delivery worker uses (the policy from WEBHOOK_* settings, a guarded
fetcher of its own whose address policy is WEBHOOK_ALLOW_PRIVATE and whose pool has a
connection for every delivery WEBHOOK_CONCURRENCY lets run at once)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING

from dishka import Provider, Scope, provide

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.webhooks.claim_deliveries import ClaimDeliveries
from application.webhooks.create_endpoint import CreateWebhookEndpoint
from application.webhooks.delete_endpoint import DeleteWebhookEndpoint
from application.webhooks.deliver_webhook import DeliverWebhook
from application.webhooks.get_endpoint import GetWebhookEndpoint
from application.webhooks.list_deliveries import ListWebhookDeliveries
from application.webhooks.list_endpoints import ListWebhookEndpoints
from application.webhooks.policy import DeliveryPolicy
from application.webhooks.retry_delivery import RetryWebhookDelivery
from application.webhooks.rotate_secret import RotateWebhookSecret
from application.webhooks.send_test import SendTestWebhook
from application.webhooks.update_endpoint import UpdateWebhookEndpoint
from domain.webhooks.schedule import RetrySchedule
from domain.webhooks.urls import UrlPolicy
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from adapters.fetch.fetcher import GuardedFetcher


def delivery_fetcher(settings: Settings) -> GuardedFetcher:
    """The worker's fetcher: a connection for each delivery it runs at once (a smaller
    pool would leave claimed deliveries waiting, their deadline running, for a socket)."""
    from adapters.fetch.fetcher import GuardedFetcher
    from adapters.fetch.policy import AddressPolicy

    policy = AddressPolicy(allow_private=settings.webhook_allow_private)
    return GuardedFetcher(policy, pool_size=settings.webhook_concurrency)


class WebhookProvider(Provider):
    scope = Scope.REQUEST

    create_endpoint = provide(CreateWebhookEndpoint)
    get_endpoint = provide(GetWebhookEndpoint)
    list_endpoints = provide(ListWebhookEndpoints)
    update_endpoint = provide(UpdateWebhookEndpoint)
    delete_endpoint = provide(DeleteWebhookEndpoint)
    rotate_secret = provide(RotateWebhookSecret)
    send_test = provide(SendTestWebhook)
    list_deliveries = provide(ListWebhookDeliveries)
    retry_delivery = provide(RetryWebhookDelivery)
    claim_deliveries = provide(ClaimDeliveries, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def policy(self, settings: Settings) -> DeliveryPolicy:
        return DeliveryPolicy(
            lease=timedelta(seconds=settings.webhook_lease_s),
            timeout_s=settings.webhook_timeout_s,
            schedule=RetrySchedule.of(settings.webhook_retry_schedule),
            urls=UrlPolicy(allow_http=settings.webhook_allow_http),
        )

    @provide(scope=Scope.APP)
    async def deliver(
        self,
        factory: UnitOfWorkFactory,
        clock: Clock,
        policy: DeliveryPolicy,
        settings: Settings,
    ) -> AsyncIterator[DeliverWebhook]:
        """Made on first need (the worker's first pass): the fetcher brings aiohttp, which
        `serve --no-worker` never needs at start-up."""
        fetcher = delivery_fetcher(settings)
        yield DeliverWebhook(factory, clock, fetcher, policy)
        await fetcher.close()
