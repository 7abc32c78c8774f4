"""The publisher loop, for `openpost worker` and the in-process worker of `openpost serve`.

Every pass: expire dead workers' leases (their targets fail `outcome_unknown`), claim as
many due targets as there are free publishing slots (WORKER_CONCURRENCY), and publish each
in its own task. With every slot taken it waits until half of them are free again (not a
poll interval: a publish takes tens of milliseconds), otherwise until the next poll. Several workers, in one process or many, share the database safely:
claims skip each other's rows. When `stop` is set (SIGTERM), no more targets are claimed;
publishes in flight get `shutdown_grace_s` to finish, then are cancelled (their leases
expire into `outcome_unknown`, never into a second send).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from dishka import AsyncContainer

from application.claim_due_targets import ClaimDueTargets
from application.expire_leases import ExpireLeases
from application.idempotency import IdempotencyGuard
from application.ports.metrics import NO_METRICS, Metrics
from application.ports.publish_queue import ClaimedTarget
from application.publish_target import PublishTarget
from domain.outcomes import (
    Failed,
    LeaseExpired,
    Outcome,
    PartPublished,
    Published,
    RateLimited,
    Transient,
)
from entrypoints.settings import Settings
from entrypoints.webhook_worker import POLL_INTERVAL_S as DELIVERY_POLL_S
from entrypoints.webhook_worker import build_deliverer

log = logging.getLogger("openpost.worker")

POLL_INTERVAL_S = 0.25
HOUSEKEEPING_EVERY_S = 600.0
ERROR_PAUSE_S = 2.0
OUTCOME_NAMES: dict[type[Outcome], str] = {
    Published: "published",
    Failed: "failed",
    Transient: "transient",
    RateLimited: "rate_limited",
    LeaseExpired: "lease_expired",
    PartPublished: "part_published",
}


class Publisher:
    """One worker's loop state: the publishes in flight and when housekeeping is due."""

    def __init__(
        self,
        claim: ClaimDueTargets,
        publish: PublishTarget,
        expire: ExpireLeases,
        concurrency: int,
        idempotency: IdempotencyGuard | None = None,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.claim, self.publish, self.expire = claim, publish, expire
        self.metrics = metrics
        self.concurrency = max(1, concurrency)
        self.idempotency = idempotency
        self.in_flight: set[asyncio.Task[None]] = set()
        self._housekeeping_at = 0.0
        self._room = asyncio.Event()  # set when half the slots have come free

    async def run(self, stop: asyncio.Event, poll_interval_s: float, grace_s: float) -> None:
        log.info("publisher started (concurrency %d)", self.concurrency)
        while not stop.is_set():
            pause = poll_interval_s
            try:
                claimed = await self.run_once(stop)
            except Exception:
                log.exception("publisher pass failed; trying again in %.0f s", ERROR_PAUSE_S)
                claimed, pause = 0, max(poll_interval_s, ERROR_PAUSE_S)
            full = len(self.in_flight) >= self.concurrency
            if claimed and not full:
                continue  # more may be due right now
            await self._wait(stop, until_room=full, timeout_s=pause)
        if self.in_flight:
            log.info(
                "stopping: %d publishes in flight, waiting up to %.0f s",
                len(self.in_flight),
                grace_s,
            )
        await self.drain(grace_s)
        log.info("publisher stopped")

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """One pass; returns how many targets it started publishing. No claim starts once
        `stop` is set, even when it was set earlier in the pass. (A claim already under
        way when it is set completes; what it took is published within the grace.)"""
        await self._housekeeping()
        await self.expire.execute()
        free = self.concurrency - len(self.in_flight)
        if free <= 0 or (stop is not None and stop.is_set()):
            return 0
        claimed = await self.claim.execute(free)
        for target in claimed:
            task = asyncio.create_task(self._publish(target))
            self.in_flight.add(task)
            task.add_done_callback(self._finished)
        return len(claimed)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)
        if len(self.in_flight) <= self.concurrency // 2:
            self._room.set()

    async def _wait(self, stop: asyncio.Event, *, until_room: bool, timeout_s: float) -> None:
        """Until `stop`, or (all slots taken) until half are free, or else `timeout_s`."""
        if not until_room:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout_s)
            return
        self._room.clear()
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._room.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    async def drain(self, timeout_s: float | None = None) -> None:
        """Waits for the publishes in flight; cancels those still running after the timeout."""
        if not self.in_flight:
            return
        _, pending = await asyncio.wait(set(self.in_flight), timeout=timeout_s)
        for task in pending:
            task.cancel()
        if pending:
            log.warning(
                "%d publishes cut short at shutdown; their leases will expire", len(pending)
            )
            await asyncio.gather(*pending, return_exceptions=True)

    async def _publish(self, target: ClaimedTarget) -> None:
        platform = target.platform.value
        try:
            outcome = await self.publish.execute(target)
        except Exception:
            self.metrics.publish_finished(platform, "error")
            log.exception("publishing target %s failed; its lease will expire", target.target_id)
            return
        self.metrics.publish_finished(platform, OUTCOME_NAMES.get(type(outcome), "other"))
        if isinstance(outcome, Published):
            log.info("target %s published: %s", target.target_id, outcome.url)
        elif isinstance(outcome, Failed):
            log.warning("target %s attempt failed: %s", target.target_id, outcome.code)
        else:
            log.info("target %s deferred: %s", target.target_id, type(outcome).__name__)

    async def _housekeeping(self) -> None:
        if self.idempotency is None or time.monotonic() < self._housekeeping_at:
            return
        self._housekeeping_at = time.monotonic() + HOUSEKEEPING_EVERY_S
        try:
            purged = await self.idempotency.purge()
        except Exception:
            log.exception("purging idempotency keys failed")
            return
        if purged:
            log.info("purged %d expired idempotency keys", purged)


async def build_publisher(container: AsyncContainer, settings: Settings) -> Publisher:
    return Publisher(
        claim=await container.get(ClaimDueTargets),
        publish=await container.get(PublishTarget),
        expire=await container.get(ExpireLeases),
        concurrency=settings.worker_concurrency,
        idempotency=await container.get(IdempotencyGuard),
        metrics=await container.get(Metrics),
    )


async def run_worker(
    container: AsyncContainer,
    settings: Settings,
    stop: asyncio.Event,
    *,
    poll_interval_s: float = POLL_INTERVAL_S,
    shutdown_grace_s: float | None = None,
) -> None:
    """Publishes due targets and delivers due webhooks until `stop` is set, then lets
    in-flight publishes and deliveries finish (at most `shutdown_grace_s`, by default the
    settings' `SHUTDOWN_GRACE_S`) and returns. The caller owns the container and sets `stop`
    on SIGTERM/SIGINT. The schema must be up to date."""
    publisher = await build_publisher(container, settings)
    deliverer = await build_deliverer(container, settings)
    grace_s = settings.shutdown_grace_s if shutdown_grace_s is None else shutdown_grace_s
    await asyncio.gather(
        publisher.run(stop, poll_interval_s, grace_s),
        deliverer.run(stop, DELIVERY_POLL_S, grace_s),
    )
