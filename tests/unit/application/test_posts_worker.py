"""The worker loop over memory adapters: bounded concurrency, and a bounded shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

from application.claim_due_targets import ClaimDueTargets
from application.expire_leases import ExpireLeases
from application.ports.credentials import Credentials
from application.ports.outcomes import OutcomeRecorder
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import PublishedPost
from application.ports.publish_queue import ClaimedTarget
from application.record_outcomes import RecordOutcomes
from application.release_claims import ReleaseClaims
from domain.outcomes import Outcome
from domain.platform import Platform
from domain.post_target import TargetStatus
from entrypoints.worker import EXPIRE_PAGE, Publisher
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


class HeldOutcomes(OutcomeRecorder):
    """Records once released; counts the outcomes waiting."""

    def __init__(self, inner: OutcomeRecorder) -> None:
        self.inner, self.release, self.waiting = inner, asyncio.Event(), 0

    async def record(self, claimed: ClaimedTarget, outcome: Outcome) -> None:
        self.waiting += 1
        await self.release.wait()
        await self.inner.record(claimed, outcome)

    async def record_all(self, outcomes: Sequence[tuple[ClaimedTarget, Outcome]]) -> None:
        await self.inner.record_all(outcomes)


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


async def test_a_publish_gives_its_slot_up_once_the_platform_has_answered() -> None:
    """The slot is the platform call: while an outcome waits to be written the next target
    goes out, up to twice the slots; each outcome is still written."""
    world, gateway = await _world_with(4)
    gateway.release.set()
    held = HeldOutcomes(RecordOutcomes(world.uow, world.clock))
    claim = ClaimDueTargets(world.uow, world.clock, LEASE)
    expire = ExpireLeases(world.uow, world.clock)
    publisher = Publisher(claim, world.publisher(outcomes=held), expire, 1)
    stop = asyncio.Event()
    loop = asyncio.create_task(publisher.run(stop, 3600, 5))
    await _until(lambda: held.waiting == 2)
    for _ in range(100):
        await asyncio.sleep(0)
    assert len(gateway.sent) == 2 and held.waiting == 2, "one slot: two in flight at most"
    held.release.set()
    await _until(lambda: len(gateway.sent) == 4 and not publisher.in_flight)
    stop.set()
    await loop
    assert gateway.most == 1
    statuses = {p.targets[0].status for p in world.store.posts.values()}
    assert statuses == {TargetStatus.PUBLISHED}


class CountedExpiry(ExpireLeases):
    def __init__(self, world: World, found: int = 0) -> None:
        super().__init__(world.uow, world.clock)
        self.calls, self.found = 0, found

    async def execute(self, limit: int = 100) -> int:
        self.calls += 1
        await super().execute(limit)
        return self.found


async def test_leases_are_looked_at_once_a_second_not_at_every_claim() -> None:
    world, _ = await _world_with(0)
    claim = ClaimDueTargets(world.uow, world.clock, LEASE)
    quiet, busy = CountedExpiry(world), CountedExpiry(world, found=EXPIRE_PAGE)
    for expire in (quiet, busy):
        publisher = Publisher(claim, world.publisher(), expire, 4)
        for _ in range(3):
            await publisher.run_once()
    assert quiet.calls == 1, "passes within a second: one look"
    assert busy.calls == 3, "a full page found: more may be waiting, so every pass looks"


async def test_a_stopping_worker_gives_back_the_targets_it_claimed_ahead() -> None:
    """Four slots and three targets claimed ahead: on stop, the four sent are published and
    the three never sent are pending again with no attempt counted, not left to expire into
    `outcome_unknown`."""
    world, gateway = await _world_with(9)
    claim = ClaimDueTargets(world.uow, world.clock, LEASE)
    expire, release = ExpireLeases(world.uow, world.clock), ReleaseClaims(world.uow, world.clock)
    publisher = Publisher(
        claim, world.publisher(), expire, 4, release=release, lease=LEASE, clock=world.clock
    )
    stop = asyncio.Event()
    loop = asyncio.create_task(publisher.run(stop, 3600, 5))
    await _until(lambda: gateway.running == 4 and publisher.claimed_ahead == 3)
    stop.set()
    gateway.release.set()
    await asyncio.wait_for(loop, 2)
    assert len(gateway.sent) == 4 and gateway.most == 4
    targets = [p.targets[0] for p in world.store.posts.values()]
    published = [t for t in targets if t.status is TargetStatus.PUBLISHED]
    pending = [t for t in targets if t.status is TargetStatus.PENDING]
    assert len(published) == 4 and len(pending) == 5
    assert [t.attempts for t in pending] == [0] * 5
