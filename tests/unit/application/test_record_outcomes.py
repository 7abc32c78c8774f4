"""Recording outcomes: outcomes given together share one transaction or none; the post
decides each, and one it refuses as late is skipped while the others land."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.claim_due_targets import ClaimDueTargets
from application.record_outcomes import RecordOutcomes
from domain.outcomes import Failed, LeaseExpired
from domain.post_target import TargetStatus
from tests.unit.adapters.test_batched_outcomes import Counted
from tests.unit.application.posts_world import LEASE, START, World, claimed_posts, published

AT = START + timedelta(hours=1)


async def test_outcomes_given_together_share_one_transaction() -> None:
    world, claimed = await claimed_posts(3, AT)
    factory = Counted(world.store)
    await RecordOutcomes(factory, world.clock).record_all(
        [(c, published(n)) for n, c in enumerate(claimed)]
    )
    assert factory.commits == 1
    statuses = [p.targets[0].status for p in world.store.posts.values()]
    assert statuses == [TargetStatus.PUBLISHED] * 3


async def test_a_failed_transaction_records_none_of_its_outcomes() -> None:
    world, claimed = await claimed_posts(2, AT)
    factory = Counted(world.store, poisoned={claimed[1].post_id})
    with pytest.raises(RuntimeError):
        await RecordOutcomes(factory, world.clock).record_all(
            [(c, published(n)) for n, c in enumerate(claimed)]
        )
    statuses = [p.targets[0].status for p in world.store.posts.values()]
    assert statuses == [TargetStatus.PUBLISHING] * 2


async def test_a_late_outcome_is_skipped_and_the_others_land() -> None:
    world, claimed = await claimed_posts(2, AT)
    recorder = RecordOutcomes(world.uow, world.clock)
    world.clock.advance(LEASE)
    await recorder.record(claimed[0], LeaseExpired())
    await recorder.record_all(
        [
            (claimed[0], Failed("content_rejected", "too late to say")),
            (claimed[1], published(1)),
        ]
    )
    late, on_time = (world.store.posts[c.post_id].targets[0] for c in claimed)
    assert late.status is TargetStatus.FAILED and late.error.code == "outcome_unknown"
    assert on_time.status is TargetStatus.PUBLISHED


async def test_two_targets_of_one_post_given_together_are_both_recorded() -> None:
    world = await World().setup()
    post = await world.create(world.twitter, world.bluesky, schedule_at=AT)
    world.clock.set(AT)
    claimed = await ClaimDueTargets(world.uow, world.clock, LEASE).execute(10)
    assert {c.post_id for c in claimed} == {post.id} and len(claimed) == 2
    await RecordOutcomes(world.uow, world.clock).record_all(
        [(c, published(n)) for n, c in enumerate(claimed)]
    )
    targets = world.store.posts[post.id].targets
    assert [t.status for t in targets] == [TargetStatus.PUBLISHED] * 2
