"""The publisher loop, for `openpost worker` and the in-process worker of `openpost serve`.

The loop is the deliverer's (`ClaimLoop`). Every pass: expire dead workers' leases (their
targets fail `outcome_unknown`; at most once a second), claim as many due targets as there
are free publishing slots (WORKER_CONCURRENCY), and publish each in its own task; a publish
gives its slot up once the platform has answered, while its outcome is written. Each claim
also takes up to three quarters of the slots ahead (`READY_SHARE`): leased like the rest,
they start the moment a slot frees, so no slot sits idle for a claim's round trip. Unless
the claim took all it asked for with half the slots' worth of room still free, it then
waits until that much room is free (a publish takes tens of milliseconds) or, with room
left, the next poll. Targets claimed ahead wait for a slot at most a twentieth of the lease
(`READY_LEASE_SHARE`); then, and at shutdown, they are given back, pending again with the
attempt uncounted (`ReleaseClaims`), never left to expire. Several workers, in one process
or many, share the database safely: claims skip each other's rows. When `stop` is set (SIGTERM), no
more targets are claimed; publishes in flight get `shutdown_grace_s` to finish, then are
cancelled (their leases expire into `outcome_unknown`, never into a second send).
A worker killed outright leaves its targets claimed ahead to expire the same way, sent or
not: at most once over all.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import timedelta

from dishka import AsyncContainer

from application.claim_due_targets import ClaimDueTargets
from application.expire_leases import ExpireLeases
from application.idempotency import IdempotencyGuard
from application.ports.clock import Clock
from application.ports.metrics import NO_METRICS, Metrics
from application.ports.publish_queue import ClaimedTarget
from application.publish_target import PublishTarget
from application.release_claims import ReleaseClaims
from application.sweep_media import SweepMedia
from domain.outcomes import (
    Failed,
    LeaseExpired,
    Outcome,
    PartPublished,
    Published,
    RateLimited,
    Transient,
)
from entrypoints.claim_loop import ClaimLoop
from entrypoints.media_sweeper import MediaSweeper
from entrypoints.settings import Settings
from entrypoints.webhook_worker import POLL_INTERVAL_S as DELIVERY_POLL_S
from entrypoints.webhook_worker import build_deliverer

log = logging.getLogger("openpost.worker")

POLL_INTERVAL_S = 0.25
HOUSEKEEPING_EVERY_S = 600.0
# Claimed ahead of the free slots, a share of them (48 at 64 slots), and a claim once half
# the slots' worth of room is free: at 50 ms a publish a slot frees about every 0.8 ms, so
# the 16 still waiting cover a claim's round trip, and a claim takes some 32 (a claim per
# eighth with a quarter ahead cost a fifth more CPU a target). Without targets claimed
# ahead, half left a third of the slots idle on average. Those claimed ahead wait some
# 40 ms, at most a share of the lease, so each is sent (or given back) well inside it.
WAKE_SHARE = 0.5
READY_SHARE = 0.75
READY_LEASE_SHARE = 0.05
# Leases run for minutes (PUBLISH_LEASE_S); looking for expired ones once a second, not at
# every claim, saves a transaction per claim. A pass that found a full page looks again.
EXPIRE_EVERY_S = 1.0
EXPIRE_PAGE = 100
OUTCOME_NAMES: dict[type[Outcome], str] = {
    Published: "published",
    Failed: "failed",
    Transient: "transient",
    RateLimited: "rate_limited",
    LeaseExpired: "lease_expired",
    PartPublished: "part_published",
}


class Publisher(ClaimLoop[ClaimedTarget]):
    """One worker's publishing loop: its publishes in flight and when housekeeping is due."""

    name, work, logger = "publisher", "publishes", log

    def __init__(
        self,
        claim: ClaimDueTargets,
        publish: PublishTarget,
        expire: ExpireLeases,
        concurrency: int,
        idempotency: IdempotencyGuard | None = None,
        metrics: Metrics = NO_METRICS,
        release: ReleaseClaims | None = None,
        lease: timedelta = timedelta(minutes=2),
        clock: Clock | None = None,
    ) -> None:
        """Without `release`, nothing is claimed ahead of the free slots."""
        ready = int(max(1, concurrency) * READY_SHARE) if release is not None else 0
        super().__init__(
            concurrency, WAKE_SHARE, ready=ready, ready_for=lease * READY_LEASE_SHARE,
            clock=clock,
        )  # fmt: skip
        self.claim_targets, self.publish, self.expire = claim, publish, expire
        self.release = release
        self.metrics = metrics
        self.idempotency = idempotency
        self._housekeeping_at = self._expire_at = 0.0

    async def before_claim(self) -> None:
        await self._housekeeping()
        if time.monotonic() >= self._expire_at:
            self._expire_at = time.monotonic() + EXPIRE_EVERY_S
            if await self.expire.execute(EXPIRE_PAGE) >= EXPIRE_PAGE:
                self._expire_at = 0.0

    async def claim(self, limit: int) -> Sequence[ClaimedTarget]:
        return await self.claim_targets.execute(limit)

    async def give_back(self, items: Sequence[ClaimedTarget]) -> None:
        if self.release is not None:  # always: nothing is claimed ahead without it
            await self.release.execute(items)

    async def handle(self, item: ClaimedTarget) -> None:
        platform = item.platform.value
        try:
            outcome = await self.publish.send(item)
            self.release_slot()  # the platform answered: the next target may go
            await self.publish.record(item, outcome)
        except Exception:
            self.metrics.publish_finished(platform, "error")
            log.exception("publishing target %s failed; its lease will expire", item.target_id)
            return
        self.metrics.publish_finished(platform, OUTCOME_NAMES.get(type(outcome), "other"))
        if isinstance(outcome, Published):
            log.info("target %s published: %s", item.target_id, outcome.url)
        elif isinstance(outcome, Failed):
            log.warning("target %s attempt failed: %s", item.target_id, outcome.code)
        else:
            log.info("target %s deferred: %s", item.target_id, type(outcome).__name__)

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
        release=await container.get(ReleaseClaims),
        lease=timedelta(seconds=settings.publish_lease_s),
        clock=await container.get(Clock),
    )


async def build_media_sweeper(container: AsyncContainer, settings: Settings) -> MediaSweeper:
    every = timedelta(seconds=settings.media_sweep_every_s)
    return MediaSweeper(await container.get(SweepMedia), await container.get(Clock), every)


async def run_worker(
    container: AsyncContainer,
    settings: Settings,
    stop: asyncio.Event,
    *,
    poll_interval_s: float = POLL_INTERVAL_S,
    shutdown_grace_s: float | None = None,
) -> None:
    """Publishes due targets, delivers due webhooks and sweeps the media store until
    `stop` is set, then lets in-flight publishes and deliveries finish (at most
    `shutdown_grace_s`, by default the settings' `SHUTDOWN_GRACE_S`) and returns. The caller owns the container and sets `stop`
    on SIGTERM/SIGINT. The schema must be up to date."""
    publisher = await build_publisher(container, settings)
    deliverer = await build_deliverer(container, settings)
    sweeper = await build_media_sweeper(container, settings)
    grace_s = settings.shutdown_grace_s if shutdown_grace_s is None else shutdown_grace_s
    await asyncio.gather(
        publisher.run(stop, poll_interval_s, grace_s),
        deliverer.run(stop, DELIVERY_POLL_S, grace_s),
        sweeper.run(stop),
    )
