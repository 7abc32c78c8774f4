"""The batching outcome recorder: outcomes that arrive while one transaction is written
go together in the next, a thread's parts before final outcomes; a failed batch is retried
one by one; the post still decides."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

import pytest

from adapters.decorators.outcomes import BatchingOutcomeRecorder
from adapters.persistence.memory import MemoryUnitOfWork
from adapters.persistence.memory.posts import MemoryPostRepository
from adapters.persistence.memory.store import MemoryStore
from application.claim_due_targets import ClaimDueTargets
from application.ports.publish_queue import ClaimedTarget
from application.record_outcomes import RecordOutcomes
from domain.outcomes import Failed, LeaseExpired, Outcome, PartPublished
from domain.post import Post
from domain.post_target import PostTarget, TargetStatus
from tests.unit.application.posts_world import LEASE, START, World, claimed_posts, published

AT = START + timedelta(hours=1)


class FlakyPosts(MemoryPostRepository):
    """Fails any save that includes a post of `poisoned`, or a target of one."""

    def __init__(self, store: MemoryStore, poisoned: set[UUID]) -> None:
        super().__init__(store)
        self.poisoned = poisoned

    async def save_many(self, posts: Sequence[Post]) -> None:
        if any(p.id in self.poisoned for p in posts):
            raise RuntimeError("the disk is full")
        await super().save_many(posts)

    async def save_targets(self, targets: Sequence[PostTarget]) -> None:
        ids = {t.id for t in targets}
        if any(t.id in ids for p in self.poisoned for t in self.store.posts[p].targets):
            raise RuntimeError("the disk is full")
        await super().save_targets(targets)


class Counted:
    """A unit-of-work factory over the world's store that counts commits."""

    def __init__(self, store: MemoryStore, poisoned: set[UUID] | None = None) -> None:
        self.store, self.poisoned, self.commits = store, poisoned or set(), 0

    def __call__(self) -> MemoryUnitOfWork:
        uow = MemoryUnitOfWork(self.store)
        uow.posts = FlakyPosts(self.store, self.poisoned)
        commit = uow.commit

        async def counted() -> None:
            self.commits += 1
            await commit()

        uow.commit = counted  # type: ignore[method-assign]
        return uow


async def _statuses(world: World) -> list[TargetStatus]:
    return sorted(p.targets[0].status for p in world.store.posts.values())


async def test_outcomes_that_arrive_together_share_one_transaction() -> None:
    world, claimed = await claimed_posts(5, AT)
    factory = Counted(world.store)
    recorder = BatchingOutcomeRecorder(RecordOutcomes(factory, world.clock))
    await asyncio.gather(*(recorder.record(c, published(n)) for n, c in enumerate(claimed)))
    assert factory.commits == 1
    assert await _statuses(world) == [TargetStatus.PUBLISHED] * 5


async def test_outcomes_that_arrive_during_a_write_go_together_in_the_next() -> None:
    world, claimed = await claimed_posts(5, AT)
    factory = Counted(world.store)
    recorder = BatchingOutcomeRecorder(RecordOutcomes(factory, world.clock))
    async with world.store.lock:  # the first write waits for this
        first = asyncio.create_task(recorder.record(claimed[0], published(0)))
        for _ in range(5):
            await asyncio.sleep(0)
        rest = [
            asyncio.create_task(recorder.record(c, published(n))) for n, c in enumerate(claimed[1:])
        ]
        for _ in range(5):
            await asyncio.sleep(0)
        assert factory.commits == 0
    await asyncio.gather(first, *rest)
    assert factory.commits == 2, "one write for the first, one for the four that waited"
    assert await _statuses(world) == [TargetStatus.PUBLISHED] * 5


async def test_outcomes_answered_a_loop_turn_apart_share_one_transaction() -> None:
    """The writer lets the loop turn before it takes a group: answers already in join it."""
    world, claimed = await claimed_posts(3, AT)
    factory = Counted(world.store)
    recorder = BatchingOutcomeRecorder(RecordOutcomes(factory, world.clock))
    recording = []
    for n, c in enumerate(claimed):
        recording.append(asyncio.create_task(recorder.record(c, published(n))))
        await asyncio.sleep(0)
    await asyncio.gather(*recording)
    assert factory.commits == 1
    assert await _statuses(world) == [TargetStatus.PUBLISHED] * 3


async def test_a_part_waiting_is_written_without_waiting_for_others() -> None:
    _, claimed = await claimed_posts(2, AT)
    inner = Gated()
    inner.gate.set()
    recorder = BatchingOutcomeRecorder(inner)
    part = PartPublished(0, "1", "https://x.test/1", None, LEASE)
    recording = []
    for c in claimed:
        recording.append(asyncio.create_task(recorder.record(c, part)))
        await asyncio.sleep(0)
    await asyncio.gather(*recording)
    assert inner.batches == [["PartPublished"], ["PartPublished"]]


async def test_a_failed_batch_is_retried_one_by_one() -> None:
    world, claimed = await claimed_posts(3, AT)
    factory = Counted(world.store, poisoned={claimed[1].post_id})
    recorder = BatchingOutcomeRecorder(RecordOutcomes(factory, world.clock))
    results = await asyncio.gather(
        *(recorder.record(c, published(n)) for n, c in enumerate(claimed)),
        return_exceptions=True,
    )
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], RuntimeError)
    by_post = {p.id: p.targets[0].status for p in world.store.posts.values()}
    assert by_post[claimed[0].post_id] is TargetStatus.PUBLISHED
    assert by_post[claimed[1].post_id] is TargetStatus.PUBLISHING, "left to its lease"
    assert by_post[claimed[2].post_id] is TargetStatus.PUBLISHED


async def test_a_late_outcome_is_skipped_and_the_others_land() -> None:
    world, claimed = await claimed_posts(2, AT)
    recorder = BatchingOutcomeRecorder(RecordOutcomes(world.uow, world.clock))
    world.clock.advance(LEASE)
    await recorder.record(claimed[0], LeaseExpired())
    await asyncio.gather(
        recorder.record(claimed[0], Failed("content_rejected", "too late to say")),
        recorder.record(claimed[1], published(1)),
    )
    late, on_time = (world.store.posts[c.post_id].targets[0] for c in claimed)
    assert late.status is TargetStatus.FAILED and late.error.code == "outcome_unknown"
    assert on_time.status is TargetStatus.PUBLISHED


async def test_two_targets_of_one_post_in_one_batch_are_both_recorded() -> None:
    world = await World().setup()
    post = await world.create(world.twitter, world.bluesky, schedule_at=AT)
    world.clock.set(AT)
    claimed = await ClaimDueTargets(world.uow, world.clock, LEASE).execute(10)
    assert {c.post_id for c in claimed} == {post.id} and len(claimed) == 2
    recorder = BatchingOutcomeRecorder(RecordOutcomes(world.uow, world.clock))
    await asyncio.gather(*(recorder.record(c, published(n)) for n, c in enumerate(claimed)))
    targets = world.store.posts[post.id].targets
    assert [t.status for t in targets] == [TargetStatus.PUBLISHED] * 2


async def test_a_cancelled_caller_still_waits_for_its_write() -> None:
    world, claimed = await claimed_posts(1, AT)
    recorder = BatchingOutcomeRecorder(RecordOutcomes(world.uow, world.clock))
    async with world.store.lock:
        recording = asyncio.create_task(recorder.record(claimed[0], published(0)))
        for _ in range(5):
            await asyncio.sleep(0)
        recording.cancel()
        for _ in range(5):
            await asyncio.sleep(0)
        assert not recording.done(), "it waits for the write before letting the cancel through"
    with pytest.raises(asyncio.CancelledError):
        await recording
    assert await _statuses(world) == [TargetStatus.PUBLISHED]


class Gated:
    """An inner recorder noting each batch's kinds; the first write waits for `gate`."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.gate = asyncio.Event()

    async def record(self, claimed: ClaimedTarget, outcome: Outcome) -> None:
        await self.record_all([(claimed, outcome)])

    async def record_all(self, outcomes: Sequence[tuple[ClaimedTarget, Outcome]]) -> None:
        self.batches.append([type(o).__name__ for _, o in outcomes])
        await self.gate.wait()


async def test_parts_waiting_go_before_final_outcomes_waiting() -> None:
    """A thread sends its next part only once its last is recorded: its part does not wait
    for a group of final outcomes to be written, and the two kinds take turns."""
    _, claimed = await claimed_posts(5, AT)
    inner = Gated()
    recorder = BatchingOutcomeRecorder(inner)
    part = PartPublished(0, "1", "https://x.test/1", None, LEASE)
    first = asyncio.create_task(recorder.record(claimed[0], published(0)))
    for _ in range(5):
        await asyncio.sleep(0)
    waiting = [
        asyncio.create_task(recorder.record(claimed[1], published(1))),
        asyncio.create_task(recorder.record(claimed[2], part)),
        asyncio.create_task(recorder.record(claimed[3], published(3))),
        asyncio.create_task(recorder.record(claimed[4], part)),
    ]
    for _ in range(5):
        await asyncio.sleep(0)
    inner.gate.set()
    await asyncio.gather(first, *waiting)
    assert inner.batches == [
        ["Published"],
        ["PartPublished", "PartPublished"],
        ["Published", "Published"],
    ]
