"""The worker loop over memory adapters: bounded concurrency, and a bounded shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

from application.claim_due_targets import ClaimDueTargets
from application.expire_leases import ExpireLeases
from application.ports.credentials import Credentials
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import PublishedPost
from domain.platform import Platform
from domain.post_target import TargetStatus
from entrypoints.worker import Publisher
from tests.unit.application.posts_world import LEASE, START, ScriptedGateway, World


class SlowGateway(ScriptedGateway):
    """Publishes once released; counts how many publishes run at once."""

    def __init__(self, platform: Platform) -> None:
        super().__init__(platform)
        self.release = asyncio.Event()
        self.running = self.most = 0

    async def publish(
        self, credentials: Credentials, text: str, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPost:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await self.release.wait()
            return await super().publish(credentials, text, media)
        finally:
            self.running -= 1


async def _world_with(count: int) -> tuple[World, SlowGateway]:
    world = World()
    gateway = SlowGateway(Platform.TWITTER)
    world.gateways[Platform.TWITTER] = gateway
    await world.setup()
    for n in range(count):
        await world.create(world.twitter, schedule_at=START + timedelta(hours=1), content=f"p{n}")
    world.clock.set(START + timedelta(hours=1))
    return world, gateway


def _publisher(world: World, concurrency: int) -> Publisher:
    claim = ClaimDueTargets(world.uow, world.clock, LEASE)
    return Publisher(claim, world.publisher(), ExpireLeases(world.uow, world.clock), concurrency)


async def test_no_more_than_the_concurrency_publish_at_once() -> None:
    world, gateway = await _world_with(10)
    publisher = _publisher(world, 3)
    stop = asyncio.Event()
    loop = asyncio.create_task(publisher.run(stop, 0.01, 5))
    await asyncio.sleep(0.1)
    assert gateway.running == 3
    gateway.release.set()
    for _ in range(200):
        if len(gateway.sent) == 10:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await loop
    assert gateway.most == 3 and sorted(gateway.sent) == sorted(f"p{n}" for n in range(10))


async def test_stopping_waits_for_publishes_in_flight_then_gives_up() -> None:
    world, gateway = await _world_with(2)
    publisher = _publisher(world, 4)
    stop = asyncio.Event()
    loop = asyncio.create_task(publisher.run(stop, 0.01, 0.2))
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(loop, 2)
    assert gateway.sent == [] and publisher.in_flight == set()
    statuses = {p.targets[0].status for p in world.store.posts.values()}
    assert statuses == {TargetStatus.PUBLISHING}, "cut short: left to its lease, never resent"


async def _until(condition: object, timeout_s: float = 5.0) -> None:
    """Lets the loop run until `condition()` holds (a failure after `timeout_s`)."""
    async with asyncio.timeout(timeout_s):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0)


async def test_a_pass_claims_nothing_once_stopped() -> None:
    world, gateway = await _world_with(2)
    publisher = _publisher(world, 4)
    stop = asyncio.Event()
    stop.set()
    gateway.release.set()
    assert await publisher.run_once(stop) == 0
    assert publisher.in_flight == set()
    statuses = {p.targets[0].status for p in world.store.posts.values()}
    assert statuses == {TargetStatus.PENDING}


async def test_a_full_worker_claims_again_once_half_its_slots_are_free() -> None:
    """The poll interval is far off: only slots coming free can start the next claims."""
    world, gateway = await _world_with(6)
    publisher = _publisher(world, 2)
    stop = asyncio.Event()
    loop = asyncio.create_task(publisher.run(stop, 3600, 5))
    await _until(lambda: gateway.running == 2)
    gateway.release.set()
    await _until(lambda: len(gateway.sent) == 6)
    stop.set()
    await loop
    assert gateway.most == 2
