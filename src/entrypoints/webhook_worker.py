"""The delivery loop, beside the publisher in `openpost worker` and in `openpost serve`.

The loop is the publisher's (`ClaimLoop`): every pass claims as many due deliveries as
there are free slots (WEBHOOK_CONCURRENCY; the claim itself keeps each endpoint at 4 in
flight across workers) and delivers each in its own task. With nothing due it waits
`poll_interval_s`, so an event committed while the worker is idle goes out within that;
with deliveries in flight it waits until a quarter of them are done, or the poll. When
`stop` is set, no more are claimed; deliveries in flight get the grace to finish and are
then cancelled (their leases expire and the attempt is made again: at least once).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from dishka import AsyncContainer

from application.ports.metrics import NO_METRICS, Metrics
from application.ports.webhook_deliveries import ClaimedDelivery
from application.webhooks.claim_deliveries import ClaimDeliveries
from application.webhooks.deliver_webhook import DeliverWebhook
from domain.webhooks.delivery import DeliveryStatus
from entrypoints.claim_loop import ClaimLoop
from entrypoints.settings import Settings

log = logging.getLogger("openpost.webhooks")

POLL_INTERVAL_S = 0.2
OUTCOME_NAMES = {
    DeliveryStatus.SUCCEEDED: "succeeded",
    DeliveryStatus.PENDING: "retrying",
    DeliveryStatus.FAILED: "failed",
}


class Deliverer(ClaimLoop[ClaimedDelivery]):
    name, work, logger = "deliverer", "deliveries", log

    def __init__(
        self,
        claim: ClaimDeliveries,
        deliver: DeliverWebhook,
        concurrency: int,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        super().__init__(concurrency, wake_share=0.25)
        self.claim_deliveries, self.deliver, self.metrics = claim, deliver, metrics

    async def claim(self, limit: int) -> Sequence[ClaimedDelivery]:
        return await self.claim_deliveries.execute(limit)

    async def handle(self, item: ClaimedDelivery) -> None:
        try:
            delivery = await self.deliver.execute(item)
        except Exception:
            self.metrics.webhook_delivered("error")
            log.exception("delivery %s failed; its lease will expire", item.delivery.id)
            return
        self.metrics.webhook_delivered(OUTCOME_NAMES.get(delivery.status, "other"))
        log.info(
            "delivery %s of %s: %s (%s)",
            delivery.id,
            delivery.event_type,
            delivery.status,
            delivery.last_status_code or delivery.last_error,
        )


async def build_deliverer(container: AsyncContainer, settings: Settings) -> Deliverer:
    return Deliverer(
        claim=await container.get(ClaimDeliveries),
        deliver=await container.get(DeliverWebhook),
        concurrency=settings.webhook_concurrency,
        metrics=await container.get(Metrics),
    )
