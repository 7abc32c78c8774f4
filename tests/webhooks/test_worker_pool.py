"""The deliverer's fetcher has a connection for every delivery WEBHOOK_CONCURRENCY lets run
at once (more than the fetchers' default pool of 100), and the claim still keeps each
endpoint at 4 in flight."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from uuid import uuid4

from adapters.fetch.fetcher import POOL_SIZE
from application.webhooks.claim_deliveries import ClaimDeliveries
from application.webhooks.deliver_webhook import DeliverWebhook
from entrypoints.composition.webhooks import delivery_fetcher
from entrypoints.settings import Settings
from entrypoints.webhook_worker import Deliverer
from tests.webhooks.conftest import Deliveries

ENDPOINTS = 33  # x 4 in flight = 132, above the default pool


async def test_every_claimed_delivery_reaches_the_receiver_at_once(
    deliveries: Deliveries,
) -> None:
    concurrency = ENDPOINTS * 4
    assert concurrency > POOL_SIZE
    prefix = f"/hang/{uuid4().hex}/"
    for n in range(ENDPOINTS):
        await deliveries.endpoint(f"{prefix}{n}")
    for _ in range(5):  # five due per endpoint: one more than may be in flight
        await deliveries.emit()
    settings = replace(Settings(), webhook_concurrency=concurrency, webhook_allow_private=True)
    deliveries.fetcher = fetcher = delivery_fetcher(settings)
    deliverer = Deliverer(
        ClaimDeliveries(deliveries.uow, deliveries.clock, deliveries.policy),
        DeliverWebhook(deliveries.uow, deliveries.clock, fetcher, deliveries.policy),
        settings.webhook_concurrency,
    )
    assert await deliverer.run_once() == concurrency
    await deliverer.drain()  # each hangs until its deadline (1 s)
    seen = Counter(
        e["path"] for e in await deliveries.receiver.log() if e["path"].startswith(prefix)
    )
    assert sum(seen.values()) == concurrency, "a delivery waited for a connection, not the receiver"
    assert set(seen.values()) == {4}
