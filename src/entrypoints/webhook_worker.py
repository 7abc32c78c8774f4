"""The delivery loop, beside the publisher in `openpost worker` and in `openpost serve`.

Every pass claims as many due deliveries as there are free slots (WEBHOOK_CONCURRENCY; the
claim itself keeps each endpoint at 4 in flight across workers) and delivers each in its
own task. With nothing due it waits `poll_interval_s`, so an event committed while the
worker is idle goes out within that; with every slot taken it waits until a quarter of
them are free (a claim per freed slot would cost more than the deliveries).
When `stop` is set, no more are claimed; deliveries in flight get the grace to finish and
are then cancelled (their leases expire and the attempt is made again: at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from dishka import AsyncContainer

from application.ports.metrics import NO_METRICS, Metrics
from application.ports.webhook_deliveries import ClaimedDelivery
from application.webhooks.claim_deliveries import ClaimDeliveries
from application.webhooks.deliver_webhook import DeliverWebhook
from domain.webhooks.delivery import DeliveryStatus
from entrypoints.settings import Settings

log = logging.getLogger("openpost.webhooks")

POLL_INTERVAL_S = 0.2
ERROR_PAUSE_S = 2.0
OUTCOME_NAMES = {
    DeliveryStatus.SUCCEEDED: "succeeded",
    DeliveryStatus.PENDING: "retrying",
    DeliveryStatus.FAILED: "failed",
}


class Deliverer:
    def __init__(
        self,
        claim: ClaimDeliveries,
        deliver: DeliverWebhook,
        concurrency: int,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.claim, self.deliver, self.metrics = claim, deliver, metrics
        self.concurrency = max(1, concurrency)
        self.in_flight: set[asyncio.Task[None]] = set()
        self._freed = asyncio.Event()

    async def run(self, stop: asyncio.Event, poll_interval_s: float, grace_s: float) -> None:
        while not stop.is_set():
            pause = poll_interval_s
            try:
                claimed = await self.run_once()
            except Exception:
                log.exception("delivery pass failed; trying again in %.0f s", ERROR_PAUSE_S)
                claimed, pause = 0, max(poll_interval_s, ERROR_PAUSE_S)
            full = len(self.in_flight) >= self.concurrency
            if claimed and not full:
                continue
            await self._wait(stop, pause, until_freed=full)
        await self.drain(grace_s)

    async def run_once(self) -> int:
        """One pass; returns how many deliveries it started."""
        free = self.concurrency - len(self.in_flight)
        claimed = await self.claim.execute(free) if free > 0 else []
        for delivery in claimed:
            task = asyncio.create_task(self._deliver(delivery))
            self.in_flight.add(task)
            task.add_done_callback(self._finished)
        return len(claimed)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)
        if len(self.in_flight) <= self.concurrency - max(1, self.concurrency // 4):
            self._freed.set()

    async def _wait(self, stop: asyncio.Event, timeout_s: float, *, until_freed: bool) -> None:
        self._freed.clear()
        waits = [asyncio.ensure_future(stop.wait())]
        if until_freed:
            waits.append(asyncio.ensure_future(self._freed.wait()))
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED), timeout_s
                )
        finally:
            for waiting in waits:
                waiting.cancel()

    async def drain(self, timeout_s: float | None = None) -> None:
        if not self.in_flight:
            return
        _, pending = await asyncio.wait(set(self.in_flight), timeout=timeout_s)
        for task in pending:
            task.cancel()
        if pending:
            log.warning(
                "%d deliveries cut short at shutdown; they will be sent again", len(pending)
            )
            await asyncio.gather(*pending, return_exceptions=True)

    async def _deliver(self, claimed: ClaimedDelivery) -> None:
        try:
            delivery = await self.deliver.execute(claimed)
        except Exception:
            self.metrics.webhook_delivered("error")
            log.exception("delivery %s failed; its lease will expire", claimed.delivery.id)
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
